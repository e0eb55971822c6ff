import * as fs from 'fs';
import {
  Duration,
  Stack,
  aws_codepipeline as codepipeline,
  aws_codepipeline_actions as actions,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_lambda_destinations as destinations,
  aws_sns as sns,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { LambdaInvokeStep, LambdaInvokeStepProps } from '../src';
import { appWithoutBundling, findAction, HANDLER_ENTRY, failureReporterLogicalId, onlyLogicalId, stepFunctionLogicalId, pipelineStack, roleRunningAction, statementsOfRole } from './support/template';

function synthStep(props: Partial<LambdaInvokeStepProps> = {}) {
  const { stack, pipeline, source } = pipelineStack();
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, ...props });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  const template = Template.fromStack(stack);
  return { stack, pipeline, source, step, template };
}

const functionLogicalId = (template: Template) => stepFunctionLogicalId(template);
const functionArn = (template: Template) => ({ 'Fn::GetAtt': [functionLogicalId(template), 'Arn'] });
const functionRoleArn = (template: Template) => template.findResources('AWS::Lambda::Function')[functionLogicalId(template)].Properties.Role;
/** The logical ids of the default policy of the function's role: where aws-cdk-lib's grants go, and a user's statements. */
const defaultPolicyOfFunctionRole = (template: Template) => Object.entries(template.findResources('AWS::IAM::Policy'))
  .filter(([id, policy]) => /DefaultPolicy/.test(id) && policy.Properties.Roles.some((role: any) => role.Ref === functionRoleArn(template)['Fn::GetAtt'][0]))
  .map(([id]) => id);

describe('the function', () => {
  test('is bundled from entry with the newest Node.js runtime aws-cdk-lib names and a 5 minute timeout', () => {
    // Read from the names of aws-cdk-lib's constants (NODEJS_24_X, NODEJS_26_X, ...), not from Runtime.ALL as the step does.
    const newestMajor = Math.max(...Object.keys(lambda.Runtime).map(name => Number(/^NODEJS_(\d+)_X$/.exec(name)?.[1] ?? 0)));
    const cdkVersion: string = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf8')).version;
    expect(newestMajor).toBe(cdkVersion.localeCompare('2.278.0', undefined, { numeric: true }) >= 0 ? 26 : 24);
    const { template, step } = synthStep();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: `nodejs${newestMajor}.x`,
      Timeout: 300,
      Handler: 'index.handler',
    });
    expect(step.nodejsFunction!.runtime).toBe((lambda.Runtime as any)[`NODEJS_${newestMajor}_X`]);
  });

  test('gets 1,769 MB (one vCPU) when its action has artifacts, 512 MB when not, and functionProps.memorySize otherwise', () => {
    const memoryOf = (template: Template) => template.findResources('AWS::Lambda::Function')[functionLogicalId(template)].Properties.MemorySize;
    const { stack, pipeline, source } = pipelineStack();
    const reading = new LambdaInvokeStep(stack, 'Reads', { entry: HANDLER_ENTRY, inputs: [source] });
    const writing = new LambdaInvokeStep(stack, 'Writes', { entry: HANDLER_ENTRY, outputs: [new codepipeline.Artifact('Report')] });
    const reporting = new LambdaInvokeStep(stack, 'OnlyReports', { entry: HANDLER_ENTRY });
    const chosen = new LambdaInvokeStep(stack, 'Chosen', { entry: HANDLER_ENTRY, inputs: [source], functionProps: { memorySize: 128 } });
    pipeline.addStage({ stageName: 'Test', actions: [reading, writing, reporting, chosen].map(step => step.action) });
    const template = Template.fromStack(stack);
    const memory = (step: LambdaInvokeStep) => template.findResources('AWS::Lambda::Function')[stack.getLogicalId(step.nodejsFunction!.node.defaultChild as lambda.CfnFunction)].Properties.MemorySize;
    expect([reading, writing, reporting, chosen].map(memory)).toEqual([1769, 1769, 512, 128]);
    expect(memoryOf(synthStep().template)).toBe(512);
  });

  test('takes pass-through settings from functionProps and merges its environment', () => {
    const { template } = synthStep({
      functionProps: {
        runtime: lambda.Runtime.NODEJS_22_X,
        timeout: Duration.minutes(1),
        memorySize: 512,
        environment: { STAGE: 'test' },
      },
      outputVariables: ['REPORT_URL'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Timeout: 60,
      MemorySize: 512,
      Environment: { Variables: { STAGE: 'test', CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES: '["REPORT_URL"]' } },
    });
  });

  test('may report job results: PutJobSuccessResult and PutJobFailureResult on *', () => {
    const { template } = synthStep();
    expect(statementsOfRole(template, functionRoleArn(template)['Fn::GetAtt'][0])).toContainEqual({
      Action: ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'],
      Effect: 'Allow',
      Resource: '*',
    });
  });

  test('has the PutJob permissions even when no pipeline binds the action', () => {
    const stack = new Stack(appWithoutBundling(), 'NoPipeline');
    new LambdaInvokeStep(stack, 'Unbound', { entry: HANDLER_ENTRY });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'],
          Resource: '*',
        })]),
      },
    });
  });
});

describe('tracing', () => {
  test.each([lambda.Tracing.ACTIVE, lambda.Tracing.PASS_THROUGH])('%s is set on the function, its X-Ray permission in a policy of the step\'s own', tracing => {
    const { template, stack, step } = synthStep({ functionProps: { tracing } });
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: tracing } });
    const policy = step.node.findChild('TracingPolicy').node.defaultChild as iam.CfnPolicy;
    expect(template.findResources('AWS::IAM::Policy')[stack.getLogicalId(policy)].Properties.PolicyDocument.Statement).toEqual([
      { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
    ]);
    expect(template.findResources('AWS::Lambda::Function')[functionLogicalId(template)].DependsOn).toContain(stack.getLogicalId(policy));
    expect(defaultPolicyOfFunctionRole(template)).toEqual([]);
  });

  test('disabled or not set, there is neither a tracing config nor an X-Ray permission', () => {
    for (const functionProps of [{ tracing: lambda.Tracing.DISABLED }, {}]) {
      const { template, step } = synthStep({ functionProps });
      expect(template.findResources('AWS::Lambda::Function')[functionLogicalId(template)].Properties.TracingConfig).toBeUndefined();
      expect(step.node.tryFindChild('TracingPolicy')).toBeUndefined();
    }
  });
});

describe('the role that runs the action', () => {
  const expectInvokePermissions = (template: Template, roleLogicalId: string) => {
    const statements = statementsOfRole(template, roleLogicalId);
    expect(statements).toContainEqual({ Action: 'lambda:ListFunctions', Effect: 'Allow', Resource: '*' });
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 'lambda:InvokeFunction',
      Effect: 'Allow',
      Resource: expect.arrayContaining([functionArn(template)]),
    }));
  };

  test('is the action role the pipeline creates, and may list and invoke the function', () => {
    const { template } = synthStep();
    const role = roleRunningAction(template, 'SmokeTest');
    expect(role).toMatch(/SmokeTest.*ActionRole/);
    expectInvokePermissions(template, role);
  });

  test('is actionRole when given, and it gets the permissions', () => {
    const { stack, pipeline } = pipelineStack();
    const actionRole = new iam.Role(stack, 'MyActionRole', { assumedBy: new iam.AccountRootPrincipal() });
    const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, actionRole });
    pipeline.addStage({ stageName: 'Test', actions: [step.action] });
    const template = Template.fromStack(stack);

    const role = roleRunningAction(template, 'SmokeTest');
    expect(role).toBe(stack.getLogicalId(actionRole.node.defaultChild as iam.CfnRole));
    expectInvokePermissions(template, role);
  });
});

describe('the failure destination', () => {
  test('is by default an SSE encrypted, SSL-only queue keeping messages 14 days', () => {
    const { template, step } = synthStep();
    expect(step.failureQueue).toBeDefined();
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'sqs:*', Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]),
      },
    });
  });

  test('queue refuses messages from anyone but its sender: the failure reporter\'s role, or the function\'s without a reporter', () => {
    for (const failureReporterEnabled of [true, false]) {
      const { template } = synthStep({ failureReporterEnabled });
      const sender = failureReporterEnabled
        ? template.findResources('AWS::Lambda::Function')[failureReporterLogicalId(template)].Properties.Role
        : functionRoleArn(template);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([{
            Action: 'sqs:SendMessage',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Resource: { 'Fn::GetAtt': [onlyLogicalId(template, 'AWS::SQS::Queue'), 'Arn'] },
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': sender } },
          }]),
        },
      });
    }
  });

  test('without a failure reporter, the function may send to it, from a policy of the step\'s own that the invoke config waits for', () => {
    const { template, stack, step } = synthStep({ failureReporterEnabled: false });
    const policyId = stack.getLogicalId(step.node.findChild('FailureQueuePolicy').node.defaultChild as iam.CfnPolicy);
    const queueArn = { 'Fn::GetAtt': [onlyLogicalId(template, 'AWS::SQS::Queue'), 'Arn'] };
    const policy = template.findResources('AWS::IAM::Policy')[policyId];
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Effect: 'Allow', Resource: queueArn },
    ]);
    expect(policy.Properties.Roles).toEqual([{ Ref: functionRoleArn(template)['Fn::GetAtt'][0] }]);
    expect(Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'))[0].DependsOn).toContain(policyId);
    // Nothing the step needs lands in the role's default policy, where a user's statements go.
    expect(defaultPolicyOfFunctionRole(template)).toEqual([]);
  });

  test('with a customer managed key, the function may make and read the data key of each message', () => {
    const { stack, pipeline } = pipelineStack();
    const key = new kms.Key(stack, 'QueueKey');
    const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, failureQueueEncryptionKey: key });
    pipeline.addStage({ stageName: 'Test', actions: [step.action] });
    const statements = Template.fromStack(stack).findResources('AWS::IAM::Policy')[
      stack.getLogicalId(step.node.findChild('FailureQueuePolicy').node.defaultChild as iam.CfnPolicy)].Properties.PolicyDocument.Statement;
    expect(statements[1]).toEqual({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] },
    });
  });

  test('queue takes a dead-letter queue of its own', () => {
    const { stack, pipeline } = pipelineStack();
    const dlq = new sqs.Queue(stack, 'Dlq');
    const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, failureQueueDeadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
    pipeline.addStage({ stageName: 'Test', actions: [step.action] });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [stack.getLogicalId(dlq.node.defaultChild as sqs.CfnQueue), 'Arn'] }, maxReceiveCount: 3 },
    });
  });

  test('without a failure reporter, is wired as the on-failure destination with 2 retries and a 20 minute event age', () => {
    const { template } = synthStep({ failureReporterEnabled: false });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionLogicalId(template) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 1200,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [onlyLogicalId(template, 'AWS::SQS::Queue'), 'Arn'] } } },
    });
  });

  test('takes retry attempts and maximum event age', () => {
    const { template } = synthStep({ retryAttempts: 1, maxEventAge: Duration.hours(1) });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: functionLogicalId(template) }, MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 3600 });
  });

  test('queue takes a retention period and a customer managed key', () => {
    const { stack, pipeline } = pipelineStack();
    const key = new kms.Key(stack, 'QueueKey');
    const step = new LambdaInvokeStep(stack, 'SmokeTest', {
      entry: HANDLER_ENTRY,
      failureQueueRetentionPeriod: Duration.days(4),
      failureQueueEncryptionKey: key,
    });
    pipeline.addStage({ stageName: 'Test', actions: [step.action] });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 345600,
      KmsMasterKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] },
    });
  });

  test('can be a destination the user gives, and then no queue is made', () => {
    const { stack, pipeline } = pipelineStack();
    const topic = new sns.Topic(stack, 'Failures');
    const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, failureDestination: new destinations.SnsDestination(topic) });
    pipeline.addStage({ stageName: 'Test', actions: [step.action] });
    const template = Template.fromStack(stack);

    expect(step.failureQueue).toBeUndefined();
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: { OnFailure: { Destination: { Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) } } },
    });
  });

  test('can be turned off, with a warning that events are then dropped', () => {
    const { template, step, stack } = synthStep({ failureDestinationEnabled: false });
    expect(step.failureQueue).toBeUndefined();
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { DestinationConfig: Match.absent(), MaximumRetryAttempts: 2 });
    Annotations.fromStack(stack).hasWarning('/TestStack/SmokeTest', Match.stringLikeRegexp('failureDestinationEnabled is false'));
  });

  test('on by default gives no warning', () => {
    const { stack } = synthStep();
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('the action', () => {
  test('invokes the function with the artifacts, parameters, namespace and run order given', () => {
    const { stack, pipeline, source } = pipelineStack();
    const report = new codepipeline.Artifact('Report');
    const step = new LambdaInvokeStep(stack, 'SmokeTest', {
      entry: HANDLER_ENTRY,
      inputs: [source],
      outputs: [report],
      userParameters: { url: 'https://example.com', retries: 3 },
      variablesNamespace: 'SmokeNS',
      runOrder: 2,
    });
    pipeline.addStage({ stageName: 'Test', actions: [step.action] });
    const template = Template.fromStack(stack);

    expect(step.action.actionProperties).toEqual(expect.objectContaining({ category: codepipeline.ActionCategory.INVOKE, provider: 'Lambda', resource: step.lambdaFunction }));
    expect(findAction(template, 'SmokeTest')).toEqual(expect.objectContaining({
      ActionTypeId: { Category: 'Invoke', Owner: 'AWS', Provider: 'Lambda', Version: '1' },
      Configuration: { FunctionName: { Ref: functionLogicalId(template) }, UserParameters: '{"url":"https://example.com","retries":3}' },
      InputArtifacts: [{ Name: 'Source' }],
      OutputArtifacts: [{ Name: 'Report' }],
      Namespace: 'SmokeNS',
      RunOrder: 2,
    }));
  });

  test('takes userParametersString as it is', () => {
    const { template } = synthStep({ userParametersString: 'plain text, not JSON' });
    expect(findAction(template, 'SmokeTest').Configuration.UserParameters).toBe('plain text, not JSON');
  });

  test('is named by actionName when given', () => {
    const { template } = synthStep({ actionName: 'Smoke.Test@1' });
    expect(findAction(template, 'Smoke.Test@1').ActionTypeId.Provider).toBe('Lambda');
  });

  test('accepts user parameters holding tokens', () => {
    const { stack, pipeline, bucket } = pipelineStack();
    const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, userParameters: { bucket: bucket.bucketName } });
    pipeline.addStage({ stageName: 'Test', actions: [step.action] });
    expect(findAction(Template.fromStack(stack), 'SmokeTest').Configuration.UserParameters).toEqual({
      'Fn::Join': ['', ['{"bucket":"', { Ref: stack.getLogicalId(bucket.node.defaultChild as any) }, '"}']],
    });
  });
});

describe('output variables', () => {
  test('variable() gives the #{namespace.name} expression', () => {
    const { step } = synthStep({ variablesNamespace: 'SmokeTest', outputVariables: ['REPORT_URL'] });
    expect(step.variable('REPORT_URL')).toBe('#{SmokeTest.REPORT_URL}');
  });

  test('variable() without a namespace resolves to the namespace CodePipeline generates for the action', () => {
    const { stack, pipeline } = pipelineStack();
    const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY });
    const approve = new actions.ManualApprovalAction({ actionName: 'Approve', additionalInformation: step.variable('REPORT_URL'), runOrder: 2 });
    pipeline.addStage({ stageName: 'Test', actions: [step.action, approve] });
    const template = Template.fromStack(stack);

    const namespace = findAction(template, 'SmokeTest').Namespace;
    expect(namespace).toMatch(/^[A-Za-z0-9@\-_]{1,100}$/);
    expect(findAction(template, 'Approve').Configuration.CustomData).toBe(`#{${namespace}.REPORT_URL}`);
  });

  test('declared names reach the function as a JSON array', () => {
    const { template } = synthStep({ outputVariables: ['REPORT_URL', 'BUILD-ID'] });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES: '["REPORT_URL","BUILD-ID"]' } },
    });
  });

  test('an empty declaration is handed over as declared-none, not left out', () => {
    const { template } = synthStep({ outputVariables: [] });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES: '[]' } },
    });
  });

  test('nothing is handed to the function when no names are declared', () => {
    const { template } = synthStep();
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: Match.absent() });
  });
});
