import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

// The samples of every page: README, CONTRIBUTING and docs/. jsii-rosetta compiles README's jsii
// samples (fenced `ts`) in every build, but it reads only README, and it skips the Node.js-only
// samples (runtime, testing, jest: fenced `TypeScript`). So every TypeScript sample of every page is
// type-checked here, as a user's project would hold it: the package's subpaths resolve to this
// repository's sources, and the user files they import (lambda/smoke-test, lib/pipeline-stack) to
// the example app.
const ROOT = path.join(__dirname, '..');
const SCRATCH = path.join(ROOT, '.readme-samples');
const PAGES = ['README.md', 'CONTRIBUTING.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter(file => file.endsWith('.md')).map(file => `docs/${file}`)];

function typeScriptSamples(page: string): string[] {
  const markdown = fs.readFileSync(path.join(ROOT, page), 'utf8');
  return [...markdown.matchAll(/```(?:ts|TypeScript)\n([\s\S]*?)```/g)].map(match => match[1]);
}

test('every TypeScript sample of every page type-checks', () => {
  const samples = PAGES.flatMap(page => typeScriptSamples(page).map((sample, index) => ({ name: `${page.replace(/\W/g, '-')}-${index}`, sample })));
  expect(new Set(samples.map(({ name }) => name.replace(/-\d+$/, ''))).size).toBeGreaterThanOrEqual(6);
  fs.rmSync(SCRATCH, { recursive: true, force: true });
  const write = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(SCRATCH, file)), { recursive: true });
    fs.writeFileSync(path.join(SCRATCH, file), content);
  };
  write('lambda/smoke-test.ts', "export * from '../../example/smoke-test';\n");
  write('lib/pipeline-stack.ts', "export { ExamplePipelineStack as PipelineStack } from '../../example/pipeline-stack';\n");
  // Each sample is a module of its own, so that two samples may declare the same names.
  const files = samples.map(({ name, sample }) => {
    write(`test/${name}.ts`, `${sample}\nexport {};\n`);
    return path.join(SCRATCH, `test/${name}.ts`);
  });
  try {
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      strict: true,
      noEmit: true,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['jest', 'node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      baseUrl: ROOT,
      paths: {
        'cdk-lambda-invoke-step': ['src/index.ts'],
        'cdk-lambda-invoke-step/runtime': ['src/runtime/index.ts'],
        'cdk-lambda-invoke-step/testing': ['src/testing/index.ts'],
      },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program)
      .filter(diagnostic => diagnostic.file && files.includes(path.resolve(diagnostic.file.fileName)))
      .map(diagnostic => `${path.basename(diagnostic.file!.fileName)}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
    expect(diagnostics).toEqual([]);
  } finally {
    fs.rmSync(SCRATCH, { recursive: true, force: true });
  }
}, 120_000);

// The samples in other languages, and the quick start's stack and handler, are the apps that
// scripts/test-languages.sh builds and runs in every build (test/languages/): a sample marked
// `<!-- file: <path> -->` is that file, one marked `<!-- excerpt of: <path> -->` a part of it.
test('every page\'s samples marked with a file are that file, or a part of it', () => {
  const marked = PAGES.flatMap(page => [...fs.readFileSync(path.join(ROOT, page), 'utf8').matchAll(/<!-- (file|excerpt of): (\S+) -->\n(?:<!--[^\n]*-->\n)?```\w*\n([\s\S]*?)```\n/g)]
    .map(([, kind, file, sample]) => ({ kind, file, sample })));
  expect(marked.filter(({ kind }) => kind === 'file').length).toBeGreaterThanOrEqual(4);
  expect(marked.filter(({ kind }) => kind === 'excerpt of').length).toBeGreaterThanOrEqual(6);
  const mismatched = marked.filter(({ kind, file, sample }) => {
    const content = fs.readFileSync(path.join(ROOT, file), 'utf8');
    return kind === 'file' ? content !== sample : !content.includes(sample.replace(/\n$/, ''));
  });
  expect(mismatched.map(({ kind, file }) => `${kind} ${file}`)).toEqual([]);
});
