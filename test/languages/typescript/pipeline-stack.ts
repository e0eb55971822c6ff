import { Stack, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { LambdaInvokeStep } from 'cdk-lambda-invoke-step';

export class PipelineStack extends Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id);

    const bucket = new s3.Bucket(this, 'SourceBucket', { versioned: true });
    const source = new codepipeline.Artifact('Source');
    const report = new codepipeline.Artifact('Report');

    const smokeTest = new LambdaInvokeStep(this, 'SmokeTest', {
      entry: 'lambda/smoke-test.ts', // from the app's root, where cdk synth runs
      inputs: [source], // 0 to 5 artifacts
      outputs: [report], // 0 to 5 artifacts
      userParameters: { url: 'https://example.com' },
      variablesNamespace: 'SmokeTest',
      outputVariables: ['REPORT_URL'], // what the function will report
    });

    new codepipeline.Pipeline(this, 'Pipeline', {
      stages: [
        { stageName: 'Source', actions: [new actions.S3SourceAction({ actionName: 'Source', bucket, bucketKey: 'source.zip', output: source })] },
        { stageName: 'Test', actions: [smokeTest.action] },
        {
          stageName: 'Review',
          actions: [new actions.ManualApprovalAction({
            actionName: 'Review',
            externalEntityLink: smokeTest.variable('REPORT_URL'), // '#{SmokeTest.REPORT_URL}'
          })],
        },
      ],
    });
  }
}
