import { CodePipelineClient, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { runStep } from '../../src/testing';
import { documentedDefault as documentedDefaultIn } from '../support/doc-defaults';

// Each `@default` of the harness's options (StepRunOptions, in src/testing/run-step.ts) that names a
// value, held against what a run left at its defaults does, as prop-defaults.test.ts holds the
// construct's props against their template.
const documentedDefault = (option: string) => documentedDefaultIn('src/testing/run-step.ts', option);

/** What a default run showed its handler: the event, the environment and the time it was given. */
async function observedDefaults() {
  const seen: { event?: any; env?: Record<string, string | undefined>; remainingMillis?: number } = {};
  const run = await runStep(async (event: any, context: { getRemainingTimeInMillis(): number }) => {
    seen.event = event;
    seen.env = { ...process.env };
    seen.remainingMillis = context.getRemainingTimeInMillis();
    throw new Error('fails without reporting, as a crashed function does');
  }, { inputArtifacts: { Source: { 'file.txt': 'content' } } });
  return { run, ...seen };
}

test('every literal @default of StepRunOptions is what a default run does', async () => {
  const { run, event, env, remainingMillis } = await observedDefaults();
  const job = event['CodePipeline.job'];
  const location = job.data.inputArtifacts[0].location.s3Location;

  expect(documentedDefault('accountId')).toBe(`'${job.accountId}'`);
  expect(documentedDefault('bucket')).toBe(`'${location.bucketName.replace(job.accountId, '<accountId>')}'`);
  expect(documentedDefault('pipelineName')).toBe(`'${location.objectKey.split('/')[0]}'`);
  expect(documentedDefault('functionName')).toMatch(new RegExp(`^'${env!.AWS_LAMBDA_FUNCTION_NAME}', `));
  expect(documentedDefault('memoryMb')).toMatch(new RegExp(`^${env!.AWS_LAMBDA_FUNCTION_MEMORY_SIZE} \\(Lambda's default\\)`));
  // Lambda's context counts down from the timeout; the handler looked within a few seconds of the start.
  const timeout = Number(/^\d+/.exec(documentedDefault('timeoutMillis'))![0]);
  expect(remainingMillis).toBeLessThanOrEqual(timeout);
  expect(remainingMillis).toBeGreaterThan(timeout - 10_000);
  // No retry: one invocation, and the failure reporter failed the job.
  expect(documentedDefault('retryAttempts')).toMatch(new RegExp(`^${run.invocations - 1}, a step's default with its failure reporter`));
  expect(documentedDefault('failureReporter')).toMatch(new RegExp(`^${run.failureReport !== undefined}, `));
  expect(run.outcome).toBe('failed');
}, 60_000);

test('maxInvocations and failOnCredentialLeak: a step that always continues stops at the default, and a leaked secret fails the run', async () => {
  const continuing = await runStep(async (event: any) => {
    const jobId = event['CodePipeline.job'].id;
    await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId, continuationToken: 'again' }));
  });
  expect(documentedDefault('maxInvocations')).toBe(String(continuing.invocations));

  const leaking = await runStep(async (event: any) => {
    console.log(`the secret: ${event['CodePipeline.job'].data.artifactCredentials.secretAccessKey}`);
    await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: event['CodePipeline.job'].id }));
  }).then(() => 'the run passed', (error: Error) => error.message);
  expect(documentedDefault('failOnCredentialLeak')).toBe(String(/leaked the job's secrets/.test(leaking)));
}, 60_000);
