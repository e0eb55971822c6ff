import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack, aws_ec2 as ec2, aws_lambda as lambda, aws_logs as logs, aws_s3_assets as s3assets, aws_sqs as sqs } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LambdaInvokeStep, LambdaInvokeStepProps } from '../../src';
import { newestNodejsRuntime } from '../../src/private/bundled-function';
import { FAILURE_REPORTER_ASSET } from '../../src/private/failure-reporter';
import {
  HANDLER_ENTRY, failureReporterLogicalId, pipelineStack, statementsOfRole, stepFunctionLogicalId,
} from '../support/template';

// The step's failure reporter as the templates give it: the on-failure destination of the step's
// function, allowed PutJobFailureResult only, sending what it could not report to the failure destination.

function synth(props: (stack: Stack) => Partial<LambdaInvokeStepProps> = () => ({})) {
  const { stack, pipeline, source } = pipelineStack('TestStack');
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source], ...props(stack) });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  const template = Template.fromStack(stack);
  return { stack, step, template };
}

/** The asynchronous invocation config of the function with this logical id. */
function asyncConfigOf(template: Template, functionId: string): any {
  const configs = Object.values<any>(template.findResources('AWS::Lambda::EventInvokeConfig'))
    .filter(config => config.Properties.FunctionName.Ref === functionId);
  expect(configs).toHaveLength(1);
  return configs[0].Properties;
}

function roleOf(template: Template, functionId: string): string {
  return template.toJSON().Resources[functionId].Properties.Role['Fn::GetAtt'][0];
}

describe('a default step', () => {
  test('its function fails over to the reporter, without retries; the reporter retries twice, then keeps the record in the failure queue', () => {
    const { template, step } = synth();
    const fn = stepFunctionLogicalId(template);
    const reporter = failureReporterLogicalId(template);
    expect(asyncConfigOf(template, fn)).toEqual({
      FunctionName: { Ref: fn },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 1200,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [reporter, 'Arn'] } } },
    });
    expect(asyncConfigOf(template, reporter)).toEqual({
      FunctionName: { Ref: reporter },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 1200,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^SmokeTestFailureQueue/), 'Arn'] } } },
    });
    expect(step.failureReporter).toBeDefined();
    expect(Stack.of(step).resolve(step.failureReporter!.functionArn)).toEqual({ 'Fn::GetAtt': [reporter, 'Arn'] });
  });

  test('the reporter is the pre-built code the package ships, on the newest Node.js runtime, with memory and a timeout of its own', () => {
    const { template, stack } = synth();
    const reporter = template.toJSON().Resources[failureReporterLogicalId(template)];
    // The step's default runtime: nodejs24.x at the floor, nodejs26.x from aws-cdk-lib 2.278.
    expect(reporter.Properties).toMatchObject({ Handler: 'index.handler', Runtime: newestNodejsRuntime().name, MemorySize: 256, Timeout: 30 });
    expect(reporter.Properties.Environment).toBeUndefined();
    const code = stack.node.findAll().find(construct => construct.node.path === 'TestStack/SmokeTest/FailureReporter/Code');
    expect(code).toBeInstanceOf(s3assets.Asset);
    expect((code as s3assets.Asset).isZipArchive).toBe(true);
    expect(reporter.Properties.Code.S3Key).toBe(`${(code as s3assets.Asset).assetHash}.zip`);
    expect(fs.existsSync(path.join(FAILURE_REPORTER_ASSET, 'index.js'))).toBe(true);
  });

  test('the reporter may call PutJobFailureResult only, and the function may invoke exactly the reporter', () => {
    const { template } = synth();
    const reporter = failureReporterLogicalId(template);
    const reporterStatements = statementsOfRole(template, roleOf(template, reporter));
    expect(reporterStatements).toEqual(expect.arrayContaining([{ Action: 'codepipeline:PutJobFailureResult', Effect: 'Allow', Resource: '*' }]));
    expect(reporterStatements.flatMap(statement => [statement.Action].flat()).filter(action => action.startsWith('codepipeline:'))).toEqual(['codepipeline:PutJobFailureResult']);
    expect(statementsOfRole(template, roleOf(template, stepFunctionLogicalId(template)))).toEqual(expect.arrayContaining([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [reporter, 'Arn'] } },
    ]));
  });

  test('the failure queue takes messages from the reporter\'s role only, which may send to it', () => {
    const { template } = synth();
    const reporterRole = roleOf(template, failureReporterLogicalId(template));
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'sqs:SendMessage', Effect: 'Deny', Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [reporterRole, 'Arn'] } } },
        })]),
      },
    });
    expect(statementsOfRole(template, reporterRole)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'] }),
    ]));
    expect(statementsOfRole(template, roleOf(template, stepFunctionLogicalId(template))).flatMap(statement => [statement.Action].flat()))
      .not.toContain('sqs:SendMessage');
  });

  test('the templates are the same on every synthesis', () => {
    expect(synth().template.toJSON()).toEqual(synth().template.toJSON());
  });
});

describe('how it combines with the other settings', () => {
  test('failureReporterEnabled false: the function fails over to the queue itself, with Lambda\'s 2 retries', () => {
    const { template, step } = synth(() => ({ failureReporterEnabled: false }));
    expect(step.failureReporter).toBeUndefined();
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(1);
    expect(asyncConfigOf(template, stepFunctionLogicalId(template))).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^SmokeTestFailureQueue/), 'Arn'] } } },
    });
  });

  test('retryAttempts given is kept', () => {
    const { template } = synth(() => ({ retryAttempts: 1 }));
    expect(asyncConfigOf(template, stepFunctionLogicalId(template)).MaximumRetryAttempts).toBe(1);
  });

  test('a failure destination of the user\'s keeps what the reporter could not report, and no queue is made', () => {
    const { template, step } = synth(stack => ({ failureDestination: new SqsDestination(new sqs.Queue(stack, 'MyFailures')) }));
    expect(step.failureQueue).toBeUndefined();
    expect(asyncConfigOf(template, failureReporterLogicalId(template)).DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^MyFailures/), 'Arn'] } },
    });
    expect(asyncConfigOf(template, stepFunctionLogicalId(template)).DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0]).toBe(failureReporterLogicalId(template));
  });

  test('failureDestinationEnabled false: the reporter still reports, and keeps nothing', () => {
    const { template } = synth(() => ({ failureDestinationEnabled: false }));
    expect(asyncConfigOf(template, failureReporterLogicalId(template)).DestinationConfig).toBeUndefined();
    expect(asyncConfigOf(template, stepFunctionLogicalId(template)).DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0]).toBe(failureReporterLogicalId(template));
  });

  test('the reporter runs in the function\'s VPC, subnets and security groups, traced as the function is', () => {
    const { template } = synth(stack => {
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      vpc.addInterfaceEndpoint('CodePipeline', { service: ec2.InterfaceVpcEndpointAwsService.CODEPIPELINE });
      vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
      return { functionProps: { vpc, tracing: lambda.Tracing.ACTIVE } };
    });
    const resources = template.toJSON().Resources;
    const fn = resources[stepFunctionLogicalId(template)].Properties;
    const reporter = resources[failureReporterLogicalId(template)].Properties;
    expect(fn.VpcConfig.SubnetIds).toHaveLength(2);
    expect(reporter.VpcConfig).toEqual(fn.VpcConfig);
    expect(reporter.TracingConfig).toEqual({ Mode: 'Active' });
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole']] }]),
      AssumeRolePolicyDocument: Match.anyValue(),
    });
    const reporterRole = roleOf(template, failureReporterLogicalId(template));
    expect(resources[reporterRole].Properties.ManagedPolicyArns).toHaveLength(2);
    expect(statementsOfRole(template, reporterRole)).toEqual(expect.arrayContaining([
      { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
    ]));
  });

  test('a function with a log group of its own: the reporter names it', () => {
    const { template } = synth(stack => ({ functionProps: { logGroup: new logs.LogGroup(stack, 'StepLogs', { logGroupName: '/my/step' }) } }));
    expect(template.toJSON().Resources[failureReporterLogicalId(template)].Properties.Environment).toEqual({ Variables: { STEP_FUNCTION_LOG_GROUP: { Ref: expect.stringMatching(/^StepLogs/) } } });
  });
});

describe('existing functions', () => {
  function pythonFunction(stack: Stack) {
    return new lambda.Function(stack, 'Validator', {
      runtime: lambda.Runtime.PYTHON_3_13,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, '..', 'fixtures', 'python-validator')),
      timeout: Duration.seconds(30),
    });
  }

  test('a Python function this app defines, and an alias of it, fail over to the reporter', () => {
    for (const alias of [false, true]) {
      const { template } = synth(stack => {
        const fn = pythonFunction(stack);
        return { entry: undefined, existingFunction: alias ? new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion }) : fn };
      });
      const config = asyncConfigOf(template, stepFunctionLogicalId(template));
      // aws-cdk-lib gives an alias's config the qualifier from the alias's ARN.
      expect(config).toMatchObject({ Qualifier: alias ? { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: expect.stringMatching(/^Live/) }] }] } : '$LATEST', MaximumRetryAttempts: 0 });
      expect(config.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0]).toBe(failureReporterLogicalId(template));
    }
  });

  test('an imported function: no reporter unless configureAsyncInvoke, and a warning that says so', () => {
    const imported = (stack: Stack) => lambda.Function.fromFunctionAttributes(stack, 'Imported', {
      functionArn: `arn:aws:lambda:${stack.region}:${stack.account}:function:validator`,
      sameEnvironment: true,
    });
    const { stack, step } = synth(s => ({ entry: undefined, existingFunction: imported(s) }));
    expect(step.failureReporter).toBeUndefined();
    expect(Annotations.fromStack(stack).findWarning('/TestStack/SmokeTest', Match.stringLikeRegexp('so it has no failure reporter: an invocation that fails without reporting')))
      .toHaveLength(1);
    expect(() => synth(s => ({ entry: undefined, existingFunction: imported(s), configureAsyncInvoke: true })))
      .toThrow(/has no role the step could allow to hand its failed events to the step's failure reporter: import it with its `role`/);
    expect(() => synth(s => ({ entry: undefined, existingFunction: imported(s), failureReporterEnabled: true })))
      .toThrow(/failureReporterEnabled/);
  });
});
