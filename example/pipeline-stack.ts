import * as path from 'path';
import { Stack, StackProps, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { LambdaInvokeStep } from '../src';

/**
 * A small pipeline: an S3 source, a smoke-test step run by a Lambda function that writes a
 * report artifact, and a manual approval that shows the report URL the step produced.
 */
export class ExamplePipelineStack extends Stack {
  public readonly smokeTest: LambdaInvokeStep;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const sourceBucket = new s3.Bucket(this, 'SourceBucket', { versioned: true, enforceSSL: true });
    const source = new codepipeline.Artifact('Source');
    const report = new codepipeline.Artifact('Report');

    this.smokeTest = new LambdaInvokeStep(this, 'SmokeTest', {
      entry: path.join(__dirname, 'smoke-test.ts'),
      inputs: [source],
      outputs: [report],
      userParameters: { url: 'https://example.com' },
      variablesNamespace: 'SmokeTest',
      outputVariables: ['REPORT_URL'],
    });

    new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      stages: [
        {
          stageName: 'Source',
          actions: [new actions.S3SourceAction({ actionName: 'Source', bucket: sourceBucket, bucketKey: 'source.zip', output: source })],
        },
        { stageName: 'Test', actions: [this.smokeTest.action] },
        {
          stageName: 'Review',
          actions: [new actions.ManualApprovalAction({
            actionName: 'ReviewReport',
            additionalInformation: `Smoke test report: ${this.smokeTest.variable('REPORT_URL')}`,
            externalEntityLink: this.smokeTest.variable('REPORT_URL'),
          })],
        },
      ],
    });
  }
}
