import * as path from 'path';
import { App, Stack, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_s3 as s3 } from 'aws-cdk-lib';
import { LambdaInvokeStep } from '../../src';
import { runSynthesizedStep } from '../../src/testing';
import { findSynthesizedStep } from '../../src/testing/synthesized';

// End to end: the bundled handler of a synthesized step, its UserParameters as the template holds
// them, substituted by the harness as CodePipeline substitutes variables.
const ENTRY = path.join(__dirname, '..', 'fixtures', 'parameters-handler.ts');
const COMMIT_MESSAGE = 'fix: handle "quoted" names\n\nand a \\ backslash, a tab\tand {"json": "lookalikes"}';
const VARIABLES = { 'SourceVariables.CommitMessage': COMMIT_MESSAGE, 'SourceVariables.CommitId': 'a1b2c3d' };

function synthesizedStep(userParameters: { [key: string]: any }): LambdaInvokeStep {
  const stack = new Stack(new App(), 'Parameters');
  const source = new codepipeline.Artifact('Source');
  const step = new LambdaInvokeStep(stack, 'ReadParameters', { entry: ENTRY, userParameters });
  new codepipeline.Pipeline(stack, 'Pipeline', {
    stages: [
      { stageName: 'Source', actions: [new actions.S3SourceAction({ actionName: 'Source', bucket: new s3.Bucket(stack, 'Bucket'), bucketKey: 'k', output: source })] },
      { stageName: 'Test', actions: [step.action] },
    ],
  });
  return step;
}

test('a commit message with quotes and line breaks, placed with freeText(), reaches the function intact', async () => {
  const step = synthesizedStep({ message: LambdaInvokeStep.freeText('#{SourceVariables.CommitMessage}'), commit: '#{SourceVariables.CommitId}' });
  const run = await runSynthesizedStep(step, { variables: VARIABLES });
  expect(run.failureDetails).toBeUndefined();
  expect(run.outcome).toBe('succeeded');
  expect(run.outputVariables).toEqual({ MESSAGE: COMMIT_MESSAGE, COMMIT: 'a1b2c3d' });
});

test('the same message placed in the JSON breaks it: a ConfigurationError names the variables, never their values', async () => {
  const step = synthesizedStep({ message: '#{SourceVariables.CommitMessage}', commit: '#{SourceVariables.CommitId}' });
  const run = await runSynthesizedStep(step, { variables: VARIABLES });
  expect(run.outcome).toBe('failed');
  expect(run.failureDetails?.type).toBe('ConfigurationError');
  expect(run.failureDetails?.message).toMatch(
    /not valid JSON .* once CodePipeline substituted the variables they use \(#\{SourceVariables.CommitMessage\}, #\{SourceVariables.CommitId\}\).*LambdaInvokeStep.freeText\(\)/);
  const everything = [run.failureDetails?.message, ...run.logs, ...run.calls.map(call => call.body)].join('\n');
  expect(everything).not.toContain('quoted');
});

test('a substituted text that forges the boundary line is refused, not cut short', async () => {
  const step = synthesizedStep({ message: LambdaInvokeStep.freeText('#{SourceVariables.CommitMessage}'), commit: 'fixed' });
  const userParameters: string = findSynthesizedStep(step).action!.configuration.UserParameters;
  const boundary = userParameters.split('\n')[0].split(':').pop();
  const run = await runSynthesizedStep(step, { variables: { 'SourceVariables.CommitMessage': `first part\n${boundary}:1\nsecond part` } });
  expect(run.failureDetails).toEqual(expect.objectContaining({ type: 'ConfigurationError', message: expect.stringMatching(/hold 2 free texts but place 1/) }));
});

test('a variable no action provides fails the run, as CodePipeline fails the action', async () => {
  const step = synthesizedStep({ message: LambdaInvokeStep.freeText('#{SourceVariables.CommitMessage}'), commit: '#{SourceVariables.CommitId}' });
  await expect(runSynthesizedStep(step, { variables: { 'SourceVariables.CommitId': 'x' } }))
    .rejects.toThrow(/use #\{SourceVariables.CommitMessage\}, which CodePipeline would fail the action on.*pass their values in `variables` \(with the CLI, --variable SourceVariables.CommitMessage=<value>\)/);
});
