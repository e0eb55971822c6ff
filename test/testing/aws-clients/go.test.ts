import { runCustomRuntimeStep, StepRunError } from '../../../src/testing';
import { goStep } from '../../support/aws-clients';

// A Go function as Go users write one (aws-lambda-go's CodePipelineJobEvent, aws-sdk-go-v2), built
// for provided.al2023 and run through the harness's Runtime API. aws-lambda-go sends every response
// chunked, with the error trailers declared.
let code: string;

beforeAll(async () => {
  code = await goStep();
}, 600_000);

const options = (userParameters: string) => ({ runtime: 'provided.al2023', userParameters, memoryMb: 256, functionName: 'go-step' });

test('reads its input with the job\'s credentials, writes its output and reports success', async () => {
  const run = await runCustomRuntimeStep(code, 'bootstrap', {
    ...options('copy'),
    inputArtifacts: { Source: { 'message.txt': 'hello from the pipeline' } },
    outputArtifacts: ['Upper'],
  });
  expect(run.outcome).toBe('succeeded');
  expect(run.runtimeClient).toBe('the function\'s bootstrap');
  expect(run.outputVariables).toEqual({ RUNTIME: 'go', FILES: '1', MEMORY: '256', ARN: 'us-east-1' });
  expect(run.executionDetails).toMatchObject({ summary: 'copied 1 files', externalExecutionId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  expect(Object.fromEntries(Object.entries(run.outputArtifacts.Upper).map(([name, content]) => [name, content.toString()])))
    .toEqual({ 'message.txt': 'HELLO FROM THE PIPELINE', 'runtime.txt': 'go' });
  expect(run.outputArtifactEncryption.Upper).toMatchObject({ serverSideEncryption: 'aws:kms' });
  expect(run.calls.map(call => call.operation)).toEqual(['PutJobSuccessResult']);
});

test('reports failure with PutJobFailureResult', async () => {
  const run = await runCustomRuntimeStep(code, 'bootstrap', options('fail'));
  expect(run.outcome).toBe('failed');
  expect(run.failureDetails).toEqual({ type: 'JobFailed', message: 'the Go step found a problem' });
  expect(run.failureReport).toBeUndefined();
});

test.each([
  ['an error the handler returns', 'error', { errorType: 'errorString', errorMessage: 'the Go step gave up' }],
  ['a panic', 'panic', { errorType: 'string', errorMessage: 'the Go step panicked' }],
])('%s is recorded as aws-lambda-go reports it, and the failure reporter fails the job', async (_, mode, error) => {
  const run = await runCustomRuntimeStep(code, 'bootstrap', options(mode));
  expect(run.outcome).toBe('failed');
  expect(run.failureReport).toMatchObject({ attempts: 1, error });
  expect(run.failureDetails?.message).toContain(`failed without reporting a result: ${error.errorType}: ${error.errorMessage}`);
});

test('a call left running after the handler returned is late, and the action would wait', async () => {
  await expect(runCustomRuntimeStep(code, 'bootstrap', options('late')))
    .rejects.toThrow(/The handler returned in invocation 1 without reporting a result .*(it made requests after its invocation ended \(CodePipeline PutJobSuccessResult\)|In a pipeline the action would wait 20 minutes)/);
});

test('logging the artifact credentials fails the run, naming where they showed', async () => {
  const error: StepRunError = await runCustomRuntimeStep(code, 'bootstrap', options('leak')).then(() => {
    throw new Error('the run passed');
  }, (thrown: StepRunError) => thrown);
  expect(error.message).toMatch(/^The step leaked the job's secrets: artifactCredentials\.secretAccessKey in log line \d+/);
  expect(error.logs?.join('\n')).toContain('artifact credentials: <artifactCredentials.secretAccessKey>');
});
