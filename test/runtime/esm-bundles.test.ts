import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_lambda as lambda } from 'aws-cdk-lib';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LambdaInvokeStep } from '../../src';
import { runSynthesizedStep } from '../../src/testing';
import { findSynthesizedStep } from '../../src/testing/synthesized';
import { stackFrameFiles } from '../support/stack-frames';

// Every way a user bundles a step with NodejsFunction, synthesized and run from the cloud
// assembly (the code that would be deployed). The fixtures import `cdk-lambda-invoke-step/runtime`
// by its package name, as users do, so the package's `exports` decide what is bundled: the ES module
// build in lib/runtime/index.mjs, which the build makes (scripts/build-esm-runtime.mjs).
const ROOT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'esm');

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'runtime', 'index.mjs'))) {
    throw new Error('lib/runtime/index.mjs is missing: run `npx projen compile` first (the build does)');
  }
});

const RUNTIMES = {
  'nodejs20.x': lambda.Runtime.NODEJS_20_X,
  'nodejs22.x': lambda.Runtime.NODEJS_22_X,
  'nodejs24.x': lambda.Runtime.NODEJS_24_X,
  // Named by hand: the aws-cdk-lib floor (2.224) has no Runtime.NODEJS_26_X.
  'nodejs26.x': new lambda.Runtime('nodejs26.x', lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true }),
};

function stepStack(entry: string, runtime: lambda.Runtime, bundling: object, environment?: Record<string, string>): Stack {
  const stack = new Stack(new App(), 'Bundles');
  new LambdaInvokeStep(stack, 'Step', { entry: path.join(FIXTURES, entry), functionProps: { runtime, bundling, environment } });
  return stack;
}

const esm = { format: OutputFormat.ESM, mainFields: ['module', 'main'] };

test.each([
  ['step.ts', 'nodejs20.x', esm, 'esm'],
  ['step.mts', 'nodejs22.x', esm, 'esm'],
  ['step.mjs', 'nodejs24.x', esm, 'esm'],
  ['step.mts', 'nodejs24.x', { format: OutputFormat.ESM }, 'esm'],
  ['step.ts', 'nodejs24.x', {}, 'cjs'],
  ['step.mts', 'nodejs26.x', esm, 'esm'],
  ['step.ts', 'nodejs26.x', {}, 'cjs'],
  ['step.ts', 'nodejs20.x', { format: OutputFormat.CJS, minify: true }, 'cjs'],
] as const)('%s on %s bundled as %o runs from the cloud assembly', async (entry, runtime, bundling, format) => {
  const stack = stepStack(entry, RUNTIMES[runtime], bundling);
  const run = await runSynthesizedStep(stack, {
    userParameters: { read: 'index.html' },
    inputArtifacts: { Source: { 'index.html': '<h1>hi</h1>' } },
    outputArtifacts: ['Copy'],
  });
  expect(run.failureDetails).toBeUndefined();
  expect(run.outputVariables).toEqual({ MODULE_FORMAT: format, GREETING: 'loaded' });
  expect(run.outputArtifacts.Copy['index.html'].toString()).toBe('<H1>HI</H1>');
  expect(fs.readdirSync(findSynthesizedStep(stack).assetDirectory)).toEqual([format === 'esm' ? 'index.mjs' : 'index.js']);
});

test('with source maps, a failing ES module step\'s stack trace names the runtime\'s source files, which exist', async () => {
  // As NodejsFunction's documentation asks: Node.js applies source maps only when told to.
  const stack = stepStack('step.mts', lambda.Runtime.NODEJS_24_X, { ...esm, sourceMap: true }, { NODE_OPTIONS: '--enable-source-maps' });
  const run = await runSynthesizedStep(stack, {
    userParameters: { read: 'missing.html' },
    inputArtifacts: { Source: { 'index.html': '<h1>hi</h1>' } },
    outputArtifacts: ['Copy'],
  });
  expect(run.failureDetails).toMatchObject({ type: 'JobFailed', message: "Input artifact 'Source' has no file 'missing.html'; it holds: index.html" });
  const runtimeFrames = stackFrameFiles(run.logs).filter(file => file.includes(`${path.sep}runtime${path.sep}`));
  expect(runtimeFrames).toContainEqual(expect.stringMatching(/src\/runtime\/artifacts\.ts$/));
  for (const file of runtimeFrames) {
    expect(fs.existsSync(file)).toBe(true);
  }
});

test.each([
  ['an ES module', { ...esm, minify: true, keepNames: true }, 'esm'],
  ['CommonJS', { format: OutputFormat.CJS, minify: true, keepNames: true }, 'cjs'],
] as const)('bundled as %s with minified names kept by esbuild, a step extracts and zips 400 files on worker threads', async (_format, bundling, format) => {
  const stack = stepStack('step.ts', lambda.Runtime.NODEJS_20_X, bundling);
  const files = Object.fromEntries(Array.from({ length: 400 }, (_, index) => [`src/dir-${index % 9}/file-${index}.txt`, `content ${index}\n`.repeat(index)]));
  const run = await runSynthesizedStep(stack, { userParameters: { throughDisk: true }, inputArtifacts: { Source: files }, outputArtifacts: ['Copy'] });
  expect(run.failureDetails).toBeUndefined();
  expect(run.outputVariables.MODULE_FORMAT).toBe(format);
  expect(Object.fromEntries(Object.entries(run.outputArtifacts.Copy).map(([name, content]) => [name, content.toString()]))).toEqual(files);
});
