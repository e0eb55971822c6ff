import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { stackFrameFiles } from './support/stack-frames';

// Installs the library as a user would: the packed package in a new CDK app, with aws-cdk-lib,
// constructs, esbuild and the AWS SDK clients from the registry; the app is README's quick start,
// the step's code README's handler. The app synthesizes, and the bundled handler runs under the
// testing harness, all from the installed package. Catches missing files, wrong `exports` and
// bundled dependencies left out.
const ROOT = path.join(__dirname, '..');
const run = promisify(execFile);

function readmeBlock(heading: string, fence: string, containing: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const block = [...section.matchAll(new RegExp(`\`\`\`${fence}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(match => match[1]).find(code => code.includes(containing));
  if (!block) {
    throw new Error(`README has no ${fence} block containing '${containing}' after '${heading}'`);
  }
  return block;
}

test('the packed package installs in a new CDK app, synthesizes README\'s quick start and runs its handler', async () => {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'index.js')) || !fs.existsSync(path.join(ROOT, '.jsii'))) {
    throw new Error('The package is not compiled: run `npx projen compile` first (the build does)');
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'install-as-user-'));
  try {
    const { stdout: packed } = await run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: ROOT });
    const tarball = path.join(work, packed.trim().split('\n').pop()!);
    const appDirectory = path.join(work, 'app');
    for (const folder of ['bin', 'lib', 'lambda']) {
      fs.mkdirSync(path.join(appDirectory, folder), { recursive: true });
    }
    const floor = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies['aws-cdk-lib'];
    // The TypeScript tooling of a `cdk init` app, at the versions this project builds with (ts-node 10
    // does not run on the newest TypeScript major).
    const versionBuiltWith = (name: string) => `${name}@${JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version}`;
    fs.writeFileSync(path.join(appDirectory, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }));
    await run('npm', ['install', '--no-audit', '--no-fund', tarball, `aws-cdk-lib@${floor}`, 'constructs@^10', 'esbuild',
      '@aws-sdk/client-codepipeline', '@aws-sdk/client-s3', versionBuiltWith('ts-node'), versionBuiltWith('typescript'), versionBuiltWith('@types/node')], { cwd: appDirectory, maxBuffer: 16 * 1024 * 1024 });
    // The layout and compiler settings `cdk init app --language typescript` makes.
    fs.writeFileSync(path.join(appDirectory, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', rootDir: '.', strict: true, esModuleInterop: true, skipLibCheck: true },
    }));

    fs.writeFileSync(path.join(appDirectory, 'lambda', 'smoke-test.ts'), readmeBlock('## The function side', 'TypeScript', "from 'cdk-lambda-invoke-step/runtime'"));
    fs.writeFileSync(path.join(appDirectory, 'lib', 'pipeline-stack.ts'), readmeBlock('## Quick start', 'ts', 'new LambdaInvokeStep('));
    fs.writeFileSync(path.join(appDirectory, 'bin', 'main.ts'), [
      "import * as path from 'path';",
      "import { App, Stack } from 'aws-cdk-lib';",
      "import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';",
      "import { LambdaInvokeStep } from 'cdk-lambda-invoke-step';",
      "import { runSynthesizedStep } from 'cdk-lambda-invoke-step/testing';",
      "import { PipelineStack } from '../lib/pipeline-stack';",
      '',
      "const stack = new PipelineStack(new App(), 'UserPipeline');",
      // The same handler bundled as an ES module with source maps; without a url it fails, logging its stack.
      "const esm = new Stack(new App(), 'UserEsm');",
      "new LambdaInvokeStep(esm, 'Esm', { entry: path.join(__dirname, '..', 'lambda', 'smoke-test.ts'), functionProps: {",
      "  bundling: { format: OutputFormat.ESM, sourceMap: true }, environment: { NODE_OPTIONS: '--enable-source-maps' } } });",
      "const source = { Source: { 'index.html': '<h1>hi</h1>' } };",
      '(async () => {',
      '  const result = await runSynthesizedStep(stack, { inputArtifacts: source });',
      "  const esmRun = await runSynthesizedStep(esm, { inputArtifacts: source, outputArtifacts: ['Report'], userParameters: { url: 'https://example.com' } });",
      "  const esmFailure = await runSynthesizedStep(esm, { inputArtifacts: source, outputArtifacts: ['Report'], userParameters: {} });",
      '  console.log(JSON.stringify({ outcome: result.outcome, variables: result.outputVariables, report: result.outputArtifacts.Report,',
      '    esm: esmRun.outcome, esmReport: esmRun.outputArtifacts.Report, esmFailureLogs: esmFailure.logs }));',
      '})();',
    ].join('\n'));
    // Run the way `cdk synth` runs a `cdk init` app: ts-node on the sources (without type-checking,
    // which the README samples get elsewhere), so `__dirname` is the source folder as it is for users.
    const { stdout } = await run(path.join(appDirectory, 'node_modules', '.bin', 'ts-node'), ['--transpile-only', 'bin/main.ts'], {
      cwd: appDirectory,
      maxBuffer: 16 * 1024 * 1024,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop()!);

    expect(result.outcome).toBe('succeeded');
    expect(result.variables.REPORT_URL).toMatch(/^https:\/\/example\.com\/reports\//);
    expect(JSON.parse(Buffer.from(result.report['report.json'].data).toString())).toEqual({ url: 'https://example.com', sourceFiles: ['index.html'] });
    const installed = path.join(appDirectory, 'node_modules', 'cdk-lambda-invoke-step');
    expect(fs.existsSync(path.join(installed, 'node_modules', 'yauzl', 'package.json'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'node_modules', 'yazl', 'package.json'))).toBe(true);

    // ES module code (a test runner in ESM mode, a .mjs script) imports both entry points by name.
    const { stdout: esmImports } = await run(process.execPath, ['--input-type=module', '-e', [
      "import { runStep, runSynthesizedStep, templateForSnapshot } from 'cdk-lambda-invoke-step/testing';",
      "import { pipelineJobHandler, ArtifactError } from 'cdk-lambda-invoke-step/runtime';",
      'console.log([runStep, runSynthesizedStep, templateForSnapshot, pipelineJobHandler, ArtifactError].map(value => typeof value).join());',
    ].join('\n')], { cwd: appDirectory });
    expect(esmImports.trim()).toBe('function,function,function,function,function');

    expect(result.esm).toBe('succeeded');
    expect(JSON.parse(Buffer.from(result.esmReport['report.json'].data).toString())).toEqual({ url: 'https://example.com', sourceFiles: ['index.html'] });
    // Stack frames in the installed package, through the user's source map and the package's own, name files that exist.
    const frames = stackFrameFiles(result.esmFailureLogs).filter(file => file.includes(`${path.sep}cdk-lambda-invoke-step${path.sep}`));
    expect(frames).toContainEqual(expect.stringMatching(/cdk-lambda-invoke-step\/src\/runtime\/handler\.ts$/));
    for (const file of frames) {
      expect(fs.existsSync(file)).toBe(true);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 600_000);
