import { execFileSync } from 'child_process';
import { pipelineJobHandler } from '../../../src/runtime';
import { runStep } from '../../../src/testing';
import { samCommand } from '../../support/aws-clients';

// The event `sam local generate-event codepipeline job` prints (aws-sam-cli 1.170.0): the runtime reads
// it, and the harness serves the artifacts it names with the credentials it holds.
function samEvent(...options: string[]): any {
  return JSON.parse(execFileSync(samCommand(), ['local', 'generate-event', 'codepipeline', 'job', ...options], {
    encoding: 'utf8', env: { ...process.env, SAM_CLI_TELEMETRY: '0' }, timeout: 120_000,
  }));
}

const copyUpper = pipelineJobHandler(async job => {
  const text = await job.inputArtifact('input-artifact').readText('message.txt');
  await job.outputArtifact('output-artifact').write({ 'message.txt': text.toUpperCase() });
  return { summary: `copied for job ${job.id}`, outputVariables: { USER_PARAMETERS: job.userParameters ?? '' } };
});

test('the runtime reads SAM\'s event, and the run serves and receives the artifacts at the locations it names', async () => {
  const event = samEvent('--input-bucket', 'sam-input-bucket', '--input-key', 'sam/input', '--output-bucket', 'sam-output-bucket', '--output-key', 'sam/output');
  expect(event['CodePipeline.job'].data.outputArtifacts[0].revision).toBeNull();
  const run = await runStep(copyUpper, { event, inputArtifacts: { 'input-artifact': { 'message.txt': 'hello from sam' } } });
  expect(run.outcome).toBe('succeeded');
  expect(run.executionDetails?.summary).toBe(`copied for job ${event['CodePipeline.job'].id}`);
  expect(run.outputVariables).toEqual({ USER_PARAMETERS: 'user-parameter-string' });
  expect(run.outputArtifacts['output-artifact']['message.txt'].toString()).toBe('HELLO FROM SAM');
  expect(run.logs.join('\n')).not.toContain(event['CodePipeline.job'].data.artifactCredentials.secretAccessKey);
});

test.each<[string, (event: any) => void, string]>([
  ['an artifact without its location', event => delete event['CodePipeline.job'].data.inputArtifacts[0].location,
    'CodePipeline.job.data.inputArtifacts.0.location.type must be "S3", got nothing; CodePipeline.job.data.inputArtifacts.0.location.s3Location.bucketName must be a non-empty string, got nothing'],
  ['a job without an id', event => delete event['CodePipeline.job'].id, 'CodePipeline.job.id must be a non-empty string, got nothing'],
  ['a secret key that is not text', event => event['CodePipeline.job'].data.artifactCredentials.secretAccessKey = 42,
    'CodePipeline.job.data.artifactCredentials.secretAccessKey must be a non-empty string, got a number'],
])('the harness refuses SAM\'s event with %s, naming the field, the rule and the value', async (_, spoil, problem) => {
  const event = samEvent();
  spoil(event);
  await expect(runStep(copyUpper, { event })).rejects.toThrow(`The given event is not a CodePipeline job event the run can serve: ${problem}`);
});

test('an event that is not a job at all is refused before anything runs', async () => {
  await expect(runStep(copyUpper, { event: { Records: [] } })).rejects.toThrow('The given event is not a CodePipeline job event: it must be an object holding "CodePipeline.job", got {"Records":[]}');
});
