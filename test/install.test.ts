import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { stackFrameFiles } from './support/stack-frames';

// Installs the library as a user would: the packed package in a new CDK app, with exactly the
// commands of README's Install, and the tooling today's `cdk init app --language typescript` gives an
// app (TypeScript 7, tsx to run the app, jest with @swc/jest). The app is README's quick start (its stack and its bin/
// entry point), the step's code README's handler, its tests README's jest samples, all run from the
// installed package. Catches missing files, wrong `exports`, bundled dependencies left out, and a
// README whose commands are not enough.
const ROOT = path.join(__dirname, '..');
const run = promisify(execFile);

function readmeBlock(heading: string, fence: string, containing: string): string {
  const block = readmeBlocks(heading, fence).find(code => code.includes(containing));
  if (!block) {
    throw new Error(`README has no ${fence} block containing '${containing}' after '${heading}'`);
  }
  return block;
}

/** The code blocks fenced as `fence` from `heading` on. */
function readmeBlocks(heading: string, fence: string): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return blocksOf(readme.slice(readme.indexOf(heading)), fence);
}

function blocksOf(markdown: string, fence: string): string[] {
  return [...markdown.matchAll(new RegExp(`\`\`\`${fence}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(match => match[1]);
}

/** The jest tests among the samples of README (from its quick start on) and of the pages under docs/. */
function jestSamples(): string[] {
  const pages = fs.readdirSync(path.join(ROOT, 'docs')).filter(file => file.endsWith('.md')).map(file => fs.readFileSync(path.join(ROOT, 'docs', file), 'utf8'));
  return [...readmeBlocks('## Quick start', 'TypeScript'), ...pages.flatMap(page => blocksOf(page, 'TypeScript'))].filter(code => code.includes('test('));
}

/**
 * README's Install commands, as argument lists for npm: this package is the packed tarball and
 * aws-cdk-lib the floor, the lowest release README promises; every other package as written.
 */
function readmeInstallCommands(tarball: string, floor: string): string[][] {
  const lines = readmeBlock('## Install', 'sh', 'npm install').trim().split('\n');
  return lines.map(line => {
    const [npm, ...args] = line.trim().split(/\s+/);
    if (npm !== 'npm' || args[0] !== 'install') {
      throw new Error(`README's Install holds a line that is not an npm install: ${line}`);
    }
    return args.map(arg => arg === 'cdk-lambda-invoke-step' ? tarball : arg === 'aws-cdk-lib' ? `aws-cdk-lib@${floor}` : arg);
  });
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
    // The TypeScript tooling of today's `cdk init` app (CLI 2.1149): TypeScript 7, tsx, jest with @swc/jest.
    fs.writeFileSync(path.join(appDirectory, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }));
    const npmInstall = (args: string[]) => run('npm', [...args, '--no-audit', '--no-fund'], { cwd: appDirectory, maxBuffer: 16 * 1024 * 1024 });
    // What `cdk init` installs first, then README's Install, literally.
    await npmInstall(['install', '--save-dev', 'typescript@7', 'tsx', '@types/node', 'jest@29', '@swc/core', '@swc/jest', '@types/jest']);
    for (const args of readmeInstallCommands(tarball, floor)) {
      await npmInstall(args);
    }
    // The layout and compiler settings `cdk init app --language typescript` makes.
    fs.writeFileSync(path.join(appDirectory, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', rootDir: '.', strict: true, esModuleInterop: true, skipLibCheck: true, types: ['node', 'jest'] },
      exclude: ['node_modules', 'cdk.out'],
    }));
    fs.writeFileSync(path.join(appDirectory, 'jest.config.js'),
      "module.exports = { testEnvironment: 'node', roots: ['<rootDir>/test'], testMatch: ['**/*.test.ts'], transform: { '^.+\\\\.tsx?$': '@swc/jest' } };\n");

    fs.writeFileSync(path.join(appDirectory, 'lambda', 'smoke-test.ts'), readmeBlock('## Quick start', 'TypeScript', "from 'cdk-lambda-invoke-step/runtime'"));
    fs.writeFileSync(path.join(appDirectory, 'lib', 'pipeline-stack.ts'), readmeBlock('## Quick start', 'ts', 'new LambdaInvokeStep('));
    fs.writeFileSync(path.join(appDirectory, 'bin', 'app.ts'), readmeBlock('## Quick start', 'TypeScript', 'new PipelineStack('));
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
      // A misconfiguration, as a user meets it: its stack must start at their code.
      "let validationStack = '';",
      "try { new LambdaInvokeStep(new Stack(new App(), 'Bad'), 'Bad', { entry: path.join(__dirname, '..', 'lambda', 'smoke-test.ts'), actionName: 'Smoke Test' }); }",
      "catch (error) { validationStack = (error as Error).stack ?? ''; }",
      '(async () => {',
      '  const result = await runSynthesizedStep(stack, { inputArtifacts: source });',
      "  const esmRun = await runSynthesizedStep(esm, { inputArtifacts: source, outputArtifacts: ['Report'], userParameters: { url: 'https://example.com' } });",
      "  const esmFailure = await runSynthesizedStep(esm, { inputArtifacts: source, outputArtifacts: ['Report'], userParameters: {} });",
      '  console.log(JSON.stringify({ outcome: result.outcome, variables: result.outputVariables, report: result.outputArtifacts.Report,',
      '    esm: esmRun.outcome, esmReport: esmRun.outputArtifacts.Report, esmFailureLogs: esmFailure.logs, validationStack }));',
      '})();',
    ].join('\n'));
    // TypeScript 7 type-checks the quick start, its handler and the package's declarations, as a user's `tsc` would.
    await run(path.join(appDirectory, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.'], { cwd: appDirectory, maxBuffer: 16 * 1024 * 1024 })
      .catch(error => {
        throw new Error(`TypeScript 7 rejects README's quick start in the installed app:\n${error.stdout}${error.stderr}`);
      });
    // Run the way `cdk synth` runs today's `cdk init` app: tsx on the sources (no type-checking), so
    // `__dirname` is the source folder as it is for users.
    const { stdout } = await run(path.join(appDirectory, 'node_modules', '.bin', 'tsx'), ['bin/main.ts'], {
      cwd: appDirectory,
      maxBuffer: 16 * 1024 * 1024,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop()!);

    expect(result.outcome).toBe('succeeded');
    expect(result.variables.REPORT_URL).toMatch(/^https:\/\/example\.com\/reports\//);
    expect(JSON.parse(Buffer.from(result.report['report.json'].data).toString())).toEqual({ url: 'https://example.com', sourceFiles: ['index.html'] });
    const installed = path.join(appDirectory, 'node_modules', 'cdk-lambda-invoke-step');
    expect(fs.existsSync(path.join(installed, 'node_modules', 'yauzl', 'package.json'))).toBe(true);

    // Under tsx, which maps frames to the package's shipped sources, a construct error's stack starts at the user's code.
    expect(result.validationStack).toMatch(/^ValidationError: \[Bad\/Bad\] `actionName` must match/);
    const validationFrames = stackFrameFiles(result.validationStack.split('\n'));
    expect(validationFrames[0]).toBe(path.join(appDirectory, 'bin', 'main.ts'));
    expect(validationFrames.filter(file => file.includes(`${path.sep}cdk-lambda-invoke-step${path.sep}`))).toEqual([]);

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

    // README's bin/ entry point synthesizes the stack, as `cdk synth` runs it (the CLI sets CDK_OUTDIR).
    const cdkOut = path.join(appDirectory, 'cdk.out');
    await run(path.join(appDirectory, 'node_modules', '.bin', 'tsx'), ['bin/app.ts'], {
      cwd: appDirectory, env: { ...process.env, CDK_OUTDIR: cdkOut }, maxBuffer: 16 * 1024 * 1024,
    });
    expect(Object.values<any>(JSON.parse(fs.readFileSync(path.join(cdkOut, 'PipelineStack.template.json'), 'utf8')).Resources)
      .map(resource => resource.Type)).toContain('AWS::CodePipeline::Pipeline');

    // README's CLI commands, as written, in the app's root: the package's bin reads that assembly and runs its step.
    const cliCommands = readmeBlocks('## In Python, Java and Go', 'sh').join('\n').split('\n').filter(line => line.startsWith('npx cdk-lambda-invoke-step '));
    expect(cliCommands.map(line => line.split(' ')[2])).toEqual(['run', 'list', 'run']);
    const cli = (line: string) => run('npx', line.split(' ').slice(1), { cwd: appDirectory, maxBuffer: 16 * 1024 * 1024 });
    const { stdout: ran } = await cli(cliCommands[0]);
    expect(JSON.parse(ran)).toMatchObject({ outcome: 'succeeded', outputVariables: { REPORT_URL: expect.stringMatching(/^https:\/\/example\.com\/reports\//) } });
    const { stdout: listed } = await cli(cliCommands[1]);
    expect(listed).toMatch(/^PipelineStack\/SmokeTest\n/);
    await cli(cliCommands[2]);
    expect(JSON.parse(fs.readFileSync(path.join(appDirectory, 'out', 'Report', 'report.json'), 'utf8'))).toMatchObject({ url: 'https://example.com' });

    // The jest samples of README and docs/ pass as written under @swc/jest (test/readme-samples.test.ts type-checks them).
    const samples = jestSamples();
    expect(samples.length).toBeGreaterThanOrEqual(4);
    fs.mkdirSync(path.join(appDirectory, 'test'));
    samples.forEach((code, index) => fs.writeFileSync(path.join(appDirectory, 'test', `readme-${index}.test.ts`), code));
    const report = path.join(work, 'jest.json');
    // --ci=false: the snapshot sample writes its first snapshot, as it does on a user's machine.
    await run(path.join(appDirectory, 'node_modules', '.bin', 'jest'), ['--ci=false', '--json', `--outputFile=${report}`], {
      cwd: appDirectory, maxBuffer: 16 * 1024 * 1024,
    }).catch(error => {
      throw new Error(`README's jest samples failed in the installed app:\n${error.stderr}`);
    });
    const results = JSON.parse(fs.readFileSync(report, 'utf8'));
    expect({ passed: results.numPassedTests, failed: results.numFailedTests }).toEqual({ passed: samples.length, failed: 0 });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 600_000);
