import * as path from 'path';
import { App, Duration, Stack, aws_lambda as lambda } from 'aws-cdk-lib';
import { LambdaInvokeStep, LambdaInvokeStepProps } from '../../src';
import { StepRun, StepRunError, runSynthesizedStep } from '../../src/testing';
import { findSynthesizedStep } from '../../src/testing/synthesized';

// Steps whose functions crash, synthesized and run end to end: each attempt as Lambda runs it, the
// retries the template's asynchronous invocation config gives, and the step's failure reporter's
// shipped logic against the loopback CodePipeline endpoint. The run ends as the pipeline would.

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** A step on an existing Python function whose handler raises (test/fixtures/python-steps/handlers.py). */
function pythonStep(props: Partial<LambdaInvokeStepProps> = {}, functionProps: Partial<lambda.FunctionProps> = {}) {
  const stack = new Stack(new App(), 'Crashing');
  const validator = new lambda.Function(stack, 'Validator', {
    runtime: lambda.Runtime.PYTHON_3_13,
    handler: 'handlers.raises',
    code: lambda.Code.fromAsset(path.join(FIXTURES, 'python-steps')),
    timeout: Duration.seconds(30),
    ...functionProps,
  });
  return new LambdaInvokeStep(stack, 'Validate', { existingFunction: validator, ...props });
}

/** No secret of the run in what the function logged or what reached CodePipeline, the reporter's call included. */
function expectNoSecrets(run: StepRun) {
  const { artifactCredentials } = run.event['CodePipeline.job'].data;
  const seen = [...run.logs, ...run.calls.map(call => call.body), run.failureDetails?.message ?? ''].join('\n');
  expect(seen).not.toContain(artifactCredentials.secretAccessKey);
  expect(seen).not.toContain(artifactCredentials.sessionToken);
  expect(run.credentialLeaks).toEqual([]);
}

test('a Node.js handler that exits before reporting: the reporter fails the job with Lambda\'s Runtime.ExitError', async () => {
  const stack = new Stack(new App(), 'Exiting');
  new LambdaInvokeStep(stack, 'Exits', { entry: path.join(FIXTURES, 'exiting-handler.ts') });
  const run = await runSynthesizedStep(stack);
  expect(run.outcome).toBe('failed');
  expect(run.invocations).toBe(1);
  expect(run.failureDetails?.message).toMatch(
    /^The step's function Exiting-ExitsFunction[A-Za-z0-9]*-[A-Z0-9]+ failed without reporting a result: Runtime\.ExitError: Runtime exited with error: exit status 7\. Lambda stopped after 1 attempt: its retries were exhausted \(RetriesExhausted\)\. /);
  expect(run.failureDetails?.message).toMatch(/Its logs: log group \/aws\/lambda\/Exiting-ExitsFunction[A-Za-z0-9]*-[A-Z0-9]+ in us-east-1, request [0-9a-f-]{36}\. \(Reported by the step's failure reporter\.\)$/);
  expect(run.logs).toContain('about to exit');
  expect(run.calls.map(call => [call.operation, call.error])).toEqual([['PutJobFailureResult', undefined]]);
  expectNoSecrets(run);
});

test('an existing Python function that raises, with the retries its config gives: run again, then reported', async () => {
  const step = pythonStep({ retryAttempts: 1 });
  expect(findSynthesizedStep(step)).toMatchObject({ retryAttempts: 1, failureReporter: true });
  const progress: string[] = [];
  const run = await runSynthesizedStep(step, { onProgress: message => progress.push(message) });
  expect(run.outcome).toBe('failed');
  expect(run.invocations).toBe(2);
  expect(progress).toContain('invocation 1 failed without reporting (ValueError: the build output has no manifest.json): Lambda retries it (retry 1 of 1)');
  expect(run.failureDetails?.message).toMatch(
    /^The step's function Crashing-Validator[A-Za-z0-9]*-[A-Z0-9]+ failed without reporting a result: ValueError: the build output has no manifest\.json\. Lambda stopped after 2 attempts: /);
  expect(run.failureReport).toMatchObject({ attempts: 2, error: { errorType: 'ValueError', errorMessage: 'the build output has no manifest.json' } });
  expect(run.failureReport!.approximateSecondsAfterStart).toBeGreaterThanOrEqual(60);
  expect(run.logs.filter(line => line.startsWith('[ERROR] ValueError: the build output has no manifest.json\n'))).toHaveLength(2);
  expectNoSecrets(run);
});

test('the step\'s defaults: no retries with the reporter; Lambda\'s 2 without it, and then the action waits', async () => {
  expect(findSynthesizedStep(pythonStep())).toMatchObject({ retryAttempts: 0, failureReporter: true });
  const withoutReporter = pythonStep({ failureReporterEnabled: false });
  expect(findSynthesizedStep(withoutReporter)).toMatchObject({ retryAttempts: 2, failureReporter: false });
  const error: StepRunError = await runSynthesizedStep(withoutReporter).catch(caught => caught);
  expect(error).toBeInstanceOf(StepRunError);
  expect(error.message).toMatch(/^The handler failed \(ValueError: the build output has no manifest\.json\) in invocation 3 without reporting a result for job [0-9a-f-]{36}: Lambda ran it 3 times \(retryAttempts 2\), each failing; the step has no failure reporter to fail the job .* In a pipeline the action would wait 20 minutes/);
});

test('a function whose own asynchronous invocation config the step leaves alone keeps its retries, and has no reporter', async () => {
  const step = pythonStep({ configureAsyncInvoke: false }, { retryAttempts: 1 });
  expect(findSynthesizedStep(step)).toMatchObject({ retryAttempts: 1, failureReporter: false });
  await expect(runSynthesizedStep(step)).rejects.toThrow(/in invocation 2 without reporting a result for job [0-9a-f-]{36}: Lambda ran it 2 times \(retryAttempts 1\), each failing; the step has no failure reporter/);
});
