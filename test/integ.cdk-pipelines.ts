// Integration snapshot: a CDK Pipelines app with a LambdaInvokePipelinesStep in a wave's post,
// reading the synth output and a stack output, its output and variable consumed by a ShellStep.
import * as path from 'path';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, CfnOutput, Stack, Stage, aws_s3 as s3, aws_sqs as sqs, pipelines } from 'aws-cdk-lib';
import { LambdaInvokePipelinesStep, LambdaInvokeStep } from '../src';
import { acknowledgeEmptyAssertionStack } from './support/integ';

const app = new App();
const pipelineStack = new Stack(app, 'LambdaInvokeStepIntegPipelines');
const synth = new pipelines.ShellStep('Synth', {
  input: pipelines.CodePipelineSource.s3(new s3.Bucket(pipelineStack, 'SourceBucket', { versioned: true }), 'source.zip', { actionName: 'Source' }),
  commands: ['npm ci', 'npx cdk synth'],
});
const pipeline = new pipelines.CodePipeline(pipelineStack, 'Pipeline', { synth });

const prod = new Stage(app, 'Prod');
const appStack = new Stack(prod, 'App');
new sqs.Queue(appStack, 'Work');
const url = new CfnOutput(appStack, 'Url', { value: 'https://app.example.com' });

const smokeTest = new LambdaInvokePipelinesStep('SmokeTest', {
  lambdaInvokeStep: new LambdaInvokeStep(pipelineStack, 'SmokeTestFunction', {
    entry: path.join(__dirname, 'fixtures', 'handler.ts'),
    outputVariables: ['REPORT_URL'],
  }),
  inputs: [synth],
  producesOutput: true,
  userParameters: { url: pipelines.StackOutputReference.fromCfnOutput(url) },
});
const publish = new pipelines.ShellStep('Publish', {
  input: smokeTest,
  commands: ['cat report.json'],
  env: { REPORT_URL: smokeTest.variable('REPORT_URL') },
});
pipeline.addWave('Release', { post: [smokeTest, publish] }).addStage(prod);
acknowledgeEmptyAssertionStack(new IntegTest(app, 'CdkPipelines', { testCases: [pipelineStack] }));
app.synth();
