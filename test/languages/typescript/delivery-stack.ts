import { CfnOutput, Stack, Stage, aws_lambda as lambda, aws_ssm as ssm, pipelines } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { LambdaInvokePipelinesStep, LambdaInvokeStep } from 'cdk-lambda-invoke-step';

/** What the pipeline deploys: a stack with a parameter, and an output the step reads. */
class AppStage extends Stage {
  public readonly url: CfnOutput;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = new Stack(this, 'App');
    const url = new ssm.StringParameter(stack, 'UrlParameter', { stringValue: 'https://app.example.com' });
    this.url = new CfnOutput(stack, 'Url', { value: url.stringValue });
  }
}

/** CDK Pipelines with a step whose function is written in Python, after the stage it checks. */
export class DeliveryStack extends Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id);

    const synth = new pipelines.ShellStep('Synth', {
      input: pipelines.CodePipelineSource.connection('my-org/my-app', 'main', {
        connectionArn: 'arn:aws:codeconnections:us-east-1:111111111111:connection/example',
      }),
      commands: ['npm ci', 'npx cdk synth'],
    });
    const pipeline = new pipelines.CodePipeline(this, 'Pipeline', { synth });
    const prod = new AppStage(this, 'Prod');

    const reportCheck = new LambdaInvokeStep(this, 'ReportCheckFunction', {
      existingFunction: new lambda.Function(this, 'ReportCheckPython', {
        runtime: lambda.Runtime.PYTHON_3_13,
        handler: 'index.handler',
        code: lambda.Code.fromAsset('lambda/report-check'),
      }),
      outputVariables: ['CHECKED_URL'],
    });
    const check = new LambdaInvokePipelinesStep('ReportCheck', {
      lambdaInvokeStep: reportCheck,
      inputs: [synth],
      userParameters: { url: pipelines.StackOutputReference.fromCfnOutput(prod.url) },
    });
    const publish = new pipelines.CodeBuildStep('Publish', {
      commands: ['echo "$CHECKED_URL"'],
      env: { CHECKED_URL: check.variable('CHECKED_URL') },
    });
    pipeline.addWave('Release', { post: [check, publish] }).addStage(prod);
  }
}
