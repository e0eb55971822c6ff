import { pipelineJobHandler } from '../../src/runtime';
import { assertSucceeded, runStep, StepAssertionError, StepRun } from '../../src/testing';
import { handler as continuingHandler } from '../fixtures/continuing-handler';

/** What assertSucceeded threw for `run`, or undefined. */
function thrownFor(run: StepRun): StepAssertionError | undefined {
  try {
    assertSucceeded(run);
    return undefined;
  } catch (error) {
    return error as StepAssertionError;
  }
}

test('a failed run: the failure type and message, and the handler\'s log lines', async () => {
  const forgetsItsArtifact = pipelineJobHandler(async () => {
    console.log('checked everything');
    return { summary: 'done' };
  });
  const run = await runStep(forgetsItsArtifact, { outputArtifacts: ['Report'] });
  const error = thrownFor(run)!;

  expect(error).toBeInstanceOf(StepAssertionError);
  expect(error.run).toBe(run);
  expect(error.message).toMatch(/^The step failed the job after 1 invocation \(JobFailed\): The step did not write its output artifacts: Report\n/);
  expect(error.message).toMatch(/\nThe handler's log lines:\n(  .*\n)*  checked everything\n/);
  expect(error.message).toContain(`  [job ${run.event['CodePipeline.job'].id}] reported failure`);
}, 30_000);

test('a run still continuing when maxInvocations ran out names the limit and the last token', async () => {
  const run = await runStep(continuingHandler, { maxInvocations: 2 });
  expect(thrownFor(run)?.message).toMatch(/^The step was still continuing the job after 2 invocations, the run's maxInvocations \(last continuationToken '2'\)/);
}, 30_000);

test('a long log shows its last 20 lines and says how many there were', async () => {
  const chatty = pipelineJobHandler(async () => {
    for (let line = 1; line <= 30; line++) {
      console.log(`line ${line}`);
    }
    throw new Error('gave up');
  });
  const message = thrownFor(await runStep(chatty))!.message;
  expect(message).toMatch(/\(JobFailed\): gave up\n/);
  const shown = message.slice(message.indexOf('log lines:\n') + 'log lines:\n'.length).split('\n');
  expect(message).toMatch(/The handler's last 20 of \d+ log lines:/);
  expect(shown).toHaveLength(20);
  expect(shown).not.toContain('  line 10');
  expect(shown).toContain('  line 30');
}, 30_000);

test('a succeeded run passes', async () => {
  const run = await runStep(pipelineJobHandler(async () => ({ summary: 'ok' })));
  expect(thrownFor(run)).toBeUndefined();
}, 30_000);
