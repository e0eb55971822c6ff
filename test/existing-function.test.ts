import * as path from 'path';
import {
  Duration,
  Stack,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_s3 as s3,
  pipelines,
} from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { LambdaInvokePipelinesStep, LambdaInvokeStep, LambdaInvokeStepProps } from '../src';
import { HANDLER_ENTRY, appWithoutBundling, findAction, failureReporterLogicalId, onlyLogicalId, stepFunctionLogicalId, pipelineStack, roleRunningAction, statementsOfRole } from './support/template';

const JOB_RESULT_ACTIONS = ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'];
const IMPORTED_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:validator';

function pythonFunction(stack: Stack, props: Partial<lambda.FunctionProps> = {}) {
  return new lambda.Function(stack, 'Validator', {
    runtime: lambda.Runtime.PYTHON_3_13,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(__dirname, 'fixtures', 'python-validator')),
    ...props,
  });
}

function synthWith(existing: (stack: Stack) => lambda.IFunction, props: Partial<LambdaInvokeStepProps> = {}) {
  // An imported ARN names an account and region: aws-cdk-lib compares them with the pipeline's.
  const { stack, pipeline, source } = pipelineStack('TestStack', {}, undefined, { env: { account: '123456789012', region: 'us-east-1' } });
  const existingFunction = existing(stack);
  const step = new LambdaInvokeStep(stack, 'Validate', { existingFunction, inputs: [source], ...props });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  return { stack, step, existingFunction, template: Template.fromStack(stack) };
}

const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('/TestStack/Validate', Match.anyValue())
  .map(warning => String(warning.entry.data));

describe('a Function this app defines (any runtime)', () => {
  test('is invoked by the action, with no NodejsFunction made', () => {
    const { template, step, existingFunction } = synthWith(stack => pythonFunction(stack));
    const functionId = stepFunctionLogicalId(template);
    expect(findAction(template, 'Validate').Configuration.FunctionName).toEqual({ Ref: functionId });
    expect(step.lambdaFunction).toBe(existingFunction);
    expect(step.nodejsFunction).toBeUndefined();
    // The function and the step's failure reporter.
    template.resourceCountIs('AWS::Lambda::Function', 2);
    expect(failureReporterLogicalId(template)).not.toBe(functionId);
  });

  test('gets the job result permissions in the step\'s policy', () => {
    const { template, stack, step } = synthWith(s => pythonFunction(s));
    const roleId = template.findResources('AWS::Lambda::Function')[stepFunctionLogicalId(template)].Properties.Role['Fn::GetAtt'][0];
    expect(statementsOfRole(template, roleId)).toContainEqual({ Action: JOB_RESULT_ACTIONS, Effect: 'Allow', Resource: '*' });
    expect(step.jobResultPolicy).toBeDefined();
    expect(warningsOf(stack)).toEqual([]);
  });

  test('gets the step\'s asynchronous invocation config, failure reporter and failure queue, for its unqualified ($LATEST) config', () => {
    const { template, step } = synthWith(stack => pythonFunction(stack));
    expect(step.failureQueue).toBeDefined();
    expect(step.failureReporter).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: stepFunctionLogicalId(template) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 1200,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failureReporterLogicalId(template), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: failureReporterLogicalId(template) },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [onlyLogicalId(template, 'AWS::SQS::Queue'), 'Arn'] } } },
    });
  });

  test('receives the declared output variables in its environment', () => {
    const { template } = synthWith(stack => pythonFunction(stack, { environment: { MODE: 'strict' } }), { outputVariables: ['VERDICT'] });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { MODE: 'strict', CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES: '["VERDICT"]' } },
    });
  });

  test('that already has an asynchronous invocation config is refused, unless configureAsyncInvoke is false', () => {
    const withOwnConfig = (stack: Stack) => pythonFunction(stack, { onFailure: undefined, retryAttempts: 0 });
    expect(() => synthWith(withOwnConfig)).toThrow(
      /\[TestStack\/Validate\] `existingFunction` \(TestStack\/Validator\) already has an asynchronous invocation config .*set `configureAsyncInvoke: false` to keep it/);
    const { template, step } = synthWith(withOwnConfig, { configureAsyncInvoke: false });
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    template.resourceCountIs('AWS::SQS::Queue', 0);
    expect(step.failureQueue).toBeUndefined();
  });

  test('with an immutable role gets no policy, and a warning naming the two actions', () => {
    const { template, stack, step } = synthWith(s => pythonFunction(s, {
      role: iam.Role.fromRoleArn(s, 'Locked', 'arn:aws:iam::123456789012:role/locked', { mutable: false }),
    }));
    expect(step.jobResultPolicy).toBeUndefined();
    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy'));
    expect(policies.flatMap(policy => policy.Properties.PolicyDocument.Statement).filter((s: any) => String(s.Action).includes('PutJobSuccessResult')))
      .toEqual([]);
    expect(warningsOf(stack)).toEqual([
      expect.stringMatching(/^The function TestStack\/Validator has a role CDK may not change \(TestStack\/Locked\): grant it lambda:InvokeFunction on the step's failure reporter \(TestStack\/Validate\/FailureReporter\) yourself/),
      expect.stringMatching(/The function TestStack\/Validator has a role CDK may not change \(TestStack\/Locked\): grant codepipeline:PutJobSuccessResult and codepipeline:PutJobFailureResult/),
    ]);
  });
});

describe('an alias or a version this app defines', () => {
  test('an alias is invoked by its qualified name and configured with the alias\'s own asynchronous config', () => {
    const { template } = synthWith(stack => new lambda.Alias(stack, 'Live', { aliasName: 'live', version: pythonFunction(stack).currentVersion }),
      { outputVariables: ['VERDICT'] });
    expect(findAction(template, 'Validate').Configuration.FunctionName).toEqual({ 'Fn::Join': ['', [expect.anything(), ':live']] });
    expect(JSON.stringify(findAction(template, 'Validate').Configuration.FunctionName)).toContain(onlyLogicalId(template, 'AWS::Lambda::Alias'));
    const [config] = Object.values<any>(template.findResources('AWS::Lambda::EventInvokeConfig'))
      .filter(candidate => candidate.Properties.FunctionName.Ref === stepFunctionLogicalId(template));
    // The alias's own config: its qualifier is read from the alias's ARN.
    expect(JSON.stringify(config.Properties.Qualifier)).toContain(onlyLogicalId(template, 'AWS::Lambda::Alias'));
    expect(config.Properties.MaximumRetryAttempts).toBe(0);
    // The alias's, and the failure reporter's own.
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES: '["VERDICT"]' } } });
  });

  test('a version is configured with the version\'s own asynchronous config, and its function\'s role gets the permissions', () => {
    const { template } = synthWith(stack => pythonFunction(stack).currentVersion);
    const versionId = onlyLogicalId(template, 'AWS::Lambda::Version');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { Qualifier: { 'Fn::GetAtt': [versionId, 'Version'] } });
    const roleId = template.findResources('AWS::Lambda::Function')[stepFunctionLogicalId(template)].Properties.Role['Fn::GetAtt'][0];
    expect(statementsOfRole(template, roleId)).toContainEqual({ Action: JOB_RESULT_ACTIONS, Effect: 'Allow', Resource: '*' });
  });
});

describe('an imported function', () => {
  test('is invoked by name, and the step warns about what it cannot wire', () => {
    const { template, stack, step } = synthWith(s => lambda.Function.fromFunctionArn(s, 'Imported', IMPORTED_ARN), { outputVariables: ['VERDICT'] });
    expect(findAction(template, 'Validate').Configuration.FunctionName).toBe('validator');
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
    template.resourceCountIs('AWS::SQS::Queue', 0);
    expect(step.jobResultPolicy).toBeUndefined();
    expect(step.failureQueue).toBeUndefined();
    expect(statementsOfRole(template, roleRunningAction(template, 'Validate'))).toContainEqual(expect.objectContaining({
      Action: 'lambda:InvokeFunction',
      Resource: [IMPORTED_ARN, `${IMPORTED_ARN}:*`],
    }));
    const warnings = warningsOf(stack);
    expect(warnings).toContainEqual(expect.stringMatching(
      /has no role CDK knows of: grant codepipeline:PutJobSuccessResult and codepipeline:PutJobFailureResult \(resource \*\) to its execution role yourself/));
    expect(warnings).toContainEqual(expect.stringMatching(
      /the declared `outputVariables` cannot reach its code: set its environment variable CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES to \["VERDICT"\] yourself/));
  });

  test('with a qualifier in its ARN is invoked with that qualifier', () => {
    const { template } = synthWith(s => lambda.Function.fromFunctionArn(s, 'Imported', `${IMPORTED_ARN}:prod`));
    expect(findAction(template, 'Validate').Configuration.FunctionName).toBe('validator:prod');
  });

  test('gets the asynchronous invocation config only when asked, for its qualifier', () => {
    const { template } = synthWith(s => lambda.Function.fromFunctionAttributes(s, 'Imported', {
      functionArn: `${IMPORTED_ARN}:prod`,
      role: iam.Role.fromRoleName(s, 'ValidatorRole', 'validator-role'),
    }), { configureAsyncInvoke: true, maxEventAge: Duration.minutes(30) });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: 'validator',
      Qualifier: 'prod',
      MaximumEventAgeInSeconds: 1800,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failureReporterLogicalId(template), 'Arn'] } } },
    });
  });

  test('without a role cannot send to the default failure queue: the step says what to give', () => {
    expect(() => synthWith(s => lambda.Function.fromFunctionArn(s, 'Imported', IMPORTED_ARN), { configureAsyncInvoke: true })).toThrow(
      /\[TestStack\/Validate\] `existingFunction` \(TestStack\/Imported\) has no role the step could allow to hand its failed events to the step's failure reporter: import it with its `role` .* or set `failureReporterEnabled: false` and give `failureDestination`/);
    expect(() => synthWith(s => lambda.Function.fromFunctionArn(s, 'Imported', IMPORTED_ARN), { configureAsyncInvoke: true, failureReporterEnabled: false })).toThrow(
      /has no role the step could allow to hand its failed events to the step's failure queue: import it with its `role` .*, or give `failureDestination`/);
  });

  test('with a mutable role gets the job result permissions on that role', () => {
    const { template, stack } = synthWith(s => lambda.Function.fromFunctionAttributes(s, 'Imported', {
      functionArn: IMPORTED_ARN,
      role: iam.Role.fromRoleName(s, 'ValidatorRole', 'validator-role'),
    }));
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: ['validator-role'],
      PolicyDocument: { Statement: [{ Action: JOB_RESULT_ACTIONS, Effect: 'Allow', Resource: '*' }] },
    });
    // Its asynchronous invocation config is its own unless configureAsyncInvoke, so nothing reports its crashes.
    expect(warningsOf(stack)).toEqual([expect.stringMatching(/^The step leaves the asynchronous invocation config of TestStack\/Imported alone, so it has no failure reporter/)]);
  });

  test('refuses asynchronous invocation settings unless configureAsyncInvoke is true', () => {
    expect(() => synthWith(s => lambda.Function.fromFunctionArn(s, 'Imported', IMPORTED_ARN), { retryAttempts: 0 })).toThrow(
      /`retryAttempts` configure the function's asynchronous invocation, which the step leaves alone because the function is imported \(set `configureAsyncInvoke: true`/);
  });
});

describe('the function props', () => {
  const fn = (stack: Stack) => pythonFunction(stack);
  test('exactly one of entry and existingFunction', () => {
    const { stack } = pipelineStack();
    expect(() => new LambdaInvokeStep(stack, 'Neither', {})).toThrow(/exactly one of `entry` \(code to bundle\) and `existingFunction` \(a function you have\) must be set, got neither/);
    expect(() => new LambdaInvokeStep(stack, 'Both', { entry: HANDLER_ENTRY, existingFunction: fn(stack) })).toThrow(/must be set, got both/);
  });

  test('functionProps only with entry', () => {
    expect(() => synthWith(fn, { functionProps: { memorySize: 512 } })).toThrow(/`functionProps` configures the function made from `entry`.*got functionProps \(memorySize\)/);
  });

  test('configureAsyncInvoke only with existingFunction', () => {
    const { stack } = pipelineStack();
    expect(() => new LambdaInvokeStep(stack, 'Entry', { entry: HANDLER_ENTRY, configureAsyncInvoke: false }))
      .toThrow(/`configureAsyncInvoke` applies to `existingFunction` only .*got false/);
  });

  test('configureAsyncInvoke false refuses asynchronous invocation settings', () => {
    expect(() => synthWith(fn, { configureAsyncInvoke: false, failureDestinationEnabled: false }))
      .toThrow(/`failureDestinationEnabled` configure the function's asynchronous invocation, which the step leaves alone because `configureAsyncInvoke` is false/);
  });

  test('a user\'s failure destination replaces the queue', () => {
    const { template, step } = synthWith(s => pythonFunction(s), {
      failureDestination: { bind: () => ({ destination: 'arn:aws:sqs:us-east-1:123456789012:mine' }) },
    });
    expect(step.failureQueue).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:mine' } } });
  });
});

test('in CDK Pipelines, LambdaInvokePipelinesStep invokes the existing function', () => {
  const stack = new Stack(appWithoutBundling(), 'TestStack');
  const source = pipelines.CodePipelineSource.s3(new s3.Bucket(stack, 'Src'), 'source.zip');
  const synth = new pipelines.ShellStep('Synth', { input: source, commands: ['npx cdk synth'] });
  const cdkPipeline = new pipelines.CodePipeline(stack, 'CdkPipeline', { synth, selfMutation: false });
  const validate = new LambdaInvokeStep(stack, 'Validate', { existingFunction: pythonFunction(stack) });
  cdkPipeline.addWave('Checks', { post: [new LambdaInvokePipelinesStep('Validate', { lambdaInvokeStep: validate, inputs: [synth] })] });
  const template = Template.fromStack(stack);
  const actions = Object.values<any>(template.findResources('AWS::CodePipeline::Pipeline'))
    .flatMap(p => p.Properties.Stages).flatMap((s: any) => s.Actions).filter((a: any) => a.ActionTypeId.Provider === 'Lambda');
  const functionId = stack.getLogicalId(validate.lambdaFunction.node.defaultChild as lambda.CfnFunction);
  expect(actions.map(a => a.Configuration.FunctionName)).toContainEqual({ Ref: functionId });
});
