import { CfnOutput, Stack, StackProps, Stage, StageProps, aws_s3 as s3, aws_sqs as sqs, pipelines } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { HANDLER_ENTRY, appWithoutBundling } from './template';
import { LambdaInvokePipelinesStep, LambdaInvokePipelinesStepProps, LambdaInvokeStep, LambdaInvokeStepProps } from '../../src';

export const ENV = { account: '111111111111', region: 'us-east-1' };

/** The application stage the pipeline deploys: one stack with an output the step reads. */
export class AppStage extends Stage {
  public readonly url: CfnOutput;
  constructor(scope: Construct, id: string, props?: StageProps) {
    super(scope, id, props);
    const stack = new Stack(this, 'App');
    new sqs.Queue(stack, 'Work');
    this.url = new CfnOutput(stack, 'Url', { value: 'https://app.example.com' });
  }
}

export interface PipelinesAppOptions {
  readonly selfMutation?: boolean;
  readonly stepProps?: Partial<LambdaInvokePipelinesStepProps>;
  readonly constructProps?: Partial<LambdaInvokeStepProps>;
  readonly pipelineStackProps?: StackProps;
}

/** A CDK Pipelines app: S3 source, synth, a wave deploying AppStage, and the step in its `post`. */
export function pipelinesApp(options: PipelinesAppOptions = {}) {
  const app = appWithoutBundling();
  const pipelineStack = new Stack(app, 'PipelineStack', { env: ENV, ...options.pipelineStackProps });
  const bucket = new s3.Bucket(pipelineStack, 'SourceBucket', { versioned: true });
  const source = pipelines.CodePipelineSource.s3(bucket, 'source.zip', { actionName: 'Source' });
  const synth = new pipelines.ShellStep('Synth', { input: source, commands: ['npm ci', 'npx cdk synth'] });
  const pipeline = new pipelines.CodePipeline(pipelineStack, 'Pipeline', { synth, selfMutation: options.selfMutation ?? true });
  const prod = new AppStage(app, 'Prod', { env: ENV });
  const smokeTestFunction = new LambdaInvokeStep(pipelineStack, 'SmokeTestFunction', {
    entry: HANDLER_ENTRY,
    outputVariables: ['REPORT_URL'],
    ...options.constructProps,
  });
  const smokeTest = new LambdaInvokePipelinesStep('SmokeTest', {
    lambdaInvokeStep: smokeTestFunction,
    inputs: [synth],
    producesOutput: true,
    userParameters: { url: pipelines.StackOutputReference.fromCfnOutput(prod.url), mode: 'full' },
    ...options.stepProps,
  });
  return { app, pipelineStack, pipeline, prod, synth, source, smokeTestFunction, smokeTest };
}
