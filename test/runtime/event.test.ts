import type { CodePipelineEvent, Context, Handler } from 'aws-lambda';
import { NotAJobEventError } from '../../src/runtime';
import { fixtureEvent } from '../support/fixtures';
import { lambdaContext } from '../support/invoke';
import {
  FIXTURE_BUCKET, codePipeline, expectFailure, handler, jobOf, jobWithArtifacts, logger, onlyCall, run, useRuntimeEndpoints,
} from '../support/runtime-harness';

useRuntimeEndpoints();

test('the handler fits aws-lambda\'s types: Handler<CodePipelineEvent>, called with a full Lambda Context', async () => {
  // The runtime's own types are minimal so users need no @types/aws-lambda; they must still fit it.
  const typed: Handler<CodePipelineEvent, void> = handler(async () => ({ summary: 'typed' }));
  const context = { ...lambdaContext(60_000), functionName: 'f', callbackWaitsForEmptyEventLoop: true } as unknown as Context;
  await typed(fixtureEvent('continued-job') as CodePipelineEvent, context, () => undefined);
  expect(onlyCall().input.executionDetails.summary).toBe('typed');
});
describe('1. the event', () => {
  test.each([
    ['null', null, /it has no `CodePipeline.job` object/],
    ['an S3 event', { Records: [{ s3: {} }] }, /it has no `CodePipeline.job` object/],
    ['a job without an id', { 'CodePipeline.job': { data: {} } }, /`CodePipeline.job.id` is missing or not a string/],
  ])('%s is refused with an error naming what is missing, and no job call', async (_, event, message) => {
    const step = jest.fn();
    const error = await run(step, event);
    expect(error).toBeInstanceOf(NotAJobEventError);
    expect(error!.message).toMatch(message);
    expect(logger.lines).toEqual([expect.stringMatching(message)]);
    expect(step).not.toHaveBeenCalled();
    expect(codePipeline.calls).toHaveLength(0);
  });

  test('an id without usable data fails that job as a ConfigurationError, without echoing the event', async () => {
    const event = jobWithArtifacts();
    jobOf(event).data.inputArtifacts[0].location = 'somewhere';
    const step = jest.fn();
    expect(await run(step, event)).toBeUndefined();
    expect(step).not.toHaveBeenCalled();
    const failure = expectFailure('ConfigurationError', /malformed: `CodePipeline.job.data.inputArtifacts\[0\]` needs a name and location.s3Location/);
    expect(codePipeline.calls[0].input.jobId).toBe(jobOf(event).id);
    expect(failure.message).not.toContain(FIXTURE_BUCKET);
  });

  test.each([
    ['data that is not an object', (job: any) => job.data = 'none', '`CodePipeline.job.data` is missing or not an object'],
    ['input artifacts that are not an array', (job: any) => job.data.inputArtifacts = {}, '`CodePipeline.job.data.inputArtifacts` is not an array'],
    ['UserParameters that are not a string', (job: any) => job.data.actionConfiguration.configuration.UserParameters = { KEY: 'VALUE' },
      '`CodePipeline.job.data.actionConfiguration.configuration.UserParameters` is not a string'],
    ['an encryption key without an id', (job: any) => job.data.encryptionKey = { type: 'KMS' }, '`CodePipeline.job.data.encryptionKey` has no `id`'],
  ])('%s fail that job as a ConfigurationError naming the field', async (_, breakIt, problem) => {
    const event = jobWithArtifacts();
    breakIt(jobOf(event));
    await run(jest.fn(), event);
    expectFailure('ConfigurationError', `The CodePipeline job event is malformed: ${problem}`);
  });

  test('artifacts without credentials are refused', async () => {
    const event = jobWithArtifacts();
    delete jobOf(event).data.artifactCredentials;
    await run(jest.fn(), event);
    expectFailure('ConfigurationError', /artifactCredentials` must hold accessKeyId, secretAccessKey and sessionToken/);
  });
});
