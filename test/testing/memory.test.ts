import * as fs from 'fs';
import * as path from 'path';
import { runBundledStep, runCustomRuntimeStep, runPythonStep, runStep, StepRunError } from '../../src/testing';
import { bundleHandler } from '../support/measure';
import { temporaryDirectory } from '../support/zip';

// A function is held to its memory size as Lambda holds it: a process tree that goes over is stopped,
// and the run reports what the pipeline would see. Every run reports its peak beside the size.
const FIXTURES = path.join(__dirname, '..', 'fixtures');
const PYTHON = process.env.PYTHON_FOR_TESTS ?? '/usr/bin/python3';
const holding = (megabytes: number) => ({ userParameters: { megabytes } });

const runners = [
  ['Node.js', (memoryMb: number, megabytes: number) => runBundledStep(path.join(FIXTURES, 'memory-hog'), 'index.handler', { memoryMb, ...holding(megabytes) })],
  ['Python', (memoryMb: number, megabytes: number) => runPythonStep(path.join(FIXTURES, 'python-steps'), 'handlers.holds_memory', {
    runtime: 'python3.11', python: PYTHON, memoryMb, ...holding(megabytes),
  })],
] as const;

test.each(runners)('%s: a 128 MB function that holds 300 MB is stopped, and the failure reporter fails the job as Lambda records it', async (_, runIt) => {
  const run = await runIt(128, 300);
  expect(run.outcome).toBe('failed');
  expect(run.failureReport?.error).toEqual({ errorType: 'Runtime.OutOfMemory', errorMessage: 'Runtime exited with error: signal: killed' });
  expect(run.failureDetails?.message).toContain('raise the function\'s memory size');
  expect(run.memory.sizeMb).toBe(128);
  expect(run.memory.peakMb).toBeGreaterThan(128);
});

test.each(runners)('%s: the same function with 512 MB succeeds, and its peak is reported beside its size', async (_, runIt) => {
  const run = await runIt(512, 300);
  expect(run.outcome).toBe('succeeded');
  expect(run.outputVariables.HELD).toBe(String(300 * 1024 * 1024));
  expect(run.memory.sizeMb).toBe(512);
  expect(run.memory.peakMb).toBeGreaterThanOrEqual(300);
  expect(run.memory.peakMb).toBeLessThanOrEqual(512);
});

test('a custom runtime is held to its memory size with every process it starts', async () => {
  const run = await runCustomRuntimeStep(path.join(FIXTURES, 'custom-runtime'), 'hog.handler', { runtime: 'provided.al2023', memoryMb: 128 });
  expect(run.failureReport?.error.errorType).toBe('Runtime.OutOfMemory');
  expect(run.memory.peakMb).toBeGreaterThan(128);
});

test('without a failure reporter, going over the memory size leaves the job without a result, and the error says why', async () => {
  const error: StepRunError = await runBundledStep(path.join(FIXTURES, 'memory-hog'), 'index.handler', { memoryMb: 128, failureReporter: false, ...holding(300) })
    .catch(thrown => thrown);
  expect(error.message).toMatch(/^The handler failed \(its processes used \d+ MB, over the function's memory size of 128 MB, and were stopped as Lambda stops them\) in invocation 1/);
});

test('a peak near the memory size is said in the warnings', async () => {
  const baseline = (await runBundledStep(path.join(FIXTURES, 'memory-hog'), 'index.handler', { memoryMb: 512, ...holding(0) })).memory.peakMb!;
  const run = await runBundledStep(path.join(FIXTURES, 'memory-hog'), 'index.handler', { memoryMb: 512, ...holding(Math.floor(512 * 0.95) - baseline) });
  expect(run.outcome).toBe('succeeded');
  expect(run.warnings).toContainEqual(expect.stringMatching(/^The function used up to \d+ MB of its 512 MB memory size: Lambda stops a function that goes over/));
});

test('runStep says that it cannot hold the handler to its memory size', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the fixture is plain JavaScript, as a function deployed unbundled is
  const { handler } = require(path.join(FIXTURES, 'memory-hog', 'index.js'));
  const run = await runStep(handler, holding(1));
  expect(run.memory).toEqual({ sizeMb: 128, peakMb: undefined });
  expect(run.warnings).toContainEqual(expect.stringMatching(/^runStep runs the handler in this process, where its memory cannot be held/));
});

test('the runtime copies a source tree of 7,000 files within a 128 MB function', async () => {
  const work = temporaryDirectory('memory-copy-');
  try {
    const bundle = path.dirname(bundleHandler(path.join(FIXTURES, 'copy-artifact-handler.ts'), work));
    // Source-like files: 7,000 of 1 to 12 KB in 70 directories, as a package's tree has.
    const files = Object.fromEntries(Array.from({ length: 7000 }, (_, index) => [
      `lib/module-${index % 70}/file-${index}.js`, `export const value${index} = ${JSON.stringify('source '.repeat(150 + (index % 12) * 150))};\n`,
    ]));
    const run = await runBundledStep(bundle, 'index.handler', { memoryMb: 128, inputArtifacts: { Source: files }, outputArtifacts: ['Copy'] });
    expect(run.outcome).toBe('succeeded');
    expect(run.executionDetails?.summary).toBe('copied 7000 files');
    expect(Object.keys(run.outputArtifacts.Copy)).toHaveLength(7000);
    expect(run.memory.peakMb).toBeGreaterThan(0);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 120_000);
