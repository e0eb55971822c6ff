import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

// README's Node.js-only samples (runtime, testing, jest) are not jsii API, so jsii-rosetta skips
// them (fenced `TypeScript`). They are type-checked here as a user's project would hold them:
// the package's subpaths resolve to this repository's sources, and the user files they import
// (lambda/smoke-test, lib/pipeline-stack) to the example app.
const ROOT = path.join(__dirname, '..');
const SCRATCH = path.join(ROOT, '.readme-samples');

function nodeOnlySamples(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```TypeScript\n([\s\S]*?)```/g)].map(match => match[1]);
}

test('README has Node.js-only samples, and every one type-checks', () => {
  const samples = nodeOnlySamples();
  expect(samples.length).toBeGreaterThanOrEqual(4);
  fs.rmSync(SCRATCH, { recursive: true, force: true });
  const write = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(SCRATCH, file)), { recursive: true });
    fs.writeFileSync(path.join(SCRATCH, file), content);
  };
  write('lambda/smoke-test.ts', "export * from '../../example/smoke-test';\n");
  write('lib/pipeline-stack.ts', "export { ExamplePipelineStack as PipelineStack } from '../../example/pipeline-stack';\n");
  const files = samples.map((sample, index) => {
    write(`test/sample-${index}.ts`, sample);
    return path.join(SCRATCH, `test/sample-${index}.ts`);
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

// README's samples in other languages, and the quick start's stack and handler, are the apps that
// scripts/test-languages.sh builds and runs in every build (test/languages/): a sample marked
// `<!-- file: <path> -->` is that file, one marked `<!-- excerpt of: <path> -->` a part of it.
test('README\'s samples marked with a file are that file, or a part of it', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const marked = [...readme.matchAll(/<!-- (file|excerpt of): (\S+) -->\n(?:<!--[^\n]*-->\n)?```\w*\n([\s\S]*?)```\n/g)]
    .map(([, kind, file, sample]) => ({ kind, file, sample }));
  expect(marked.filter(({ kind }) => kind === 'file').length).toBeGreaterThanOrEqual(4);
  expect(marked.filter(({ kind }) => kind === 'excerpt of').length).toBeGreaterThanOrEqual(6);
  const mismatched = marked.filter(({ kind, file, sample }) => {
    const content = fs.readFileSync(path.join(ROOT, file), 'utf8');
    return kind === 'file' ? content !== sample : !content.includes(sample.replace(/\n$/, ''));
  });
  expect(mismatched.map(({ kind, file }) => `${kind} ${file}`)).toEqual([]);
});
