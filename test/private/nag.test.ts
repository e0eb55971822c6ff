import { Aspects, CfnResource, Stack, aws_codepipeline as codepipeline, aws_iam as iam, aws_s3 as s3 } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { LambdaInvokeStep, LambdaInvokeStepProps } from '../../src';
import { pipelinesApp } from '../support/pipelines-app';
import { HANDLER_ENTRY, pipelineStack } from '../support/template';

// cdk-nag's AWS Solutions rules: none of the findings the construct, its function, its queue or
// the role running its action cause may stay unexplained, and no explanation may hide a finding
// about a statement the user wrote.

/** Unsuppressed cdk-nag errors whose construct path matches `where`, as `<path>: <rule>[<finding>]`. */
function nagErrors(stack: Stack, where: RegExp): string[] {
  Aspects.of(stack).add(new AwsSolutionsChecks());
  return Annotations.fromStack(stack).findError('*', Match.anyValue())
    .filter(message => where.test(message.id))
    .map(message => `${message.id}: ${/^[^:[]+(\[[^\]]*\])?/.exec(String(message.entry.data))![0]}`);
}

function stepInPipeline(props: Partial<LambdaInvokeStepProps> = {}, pipelineProps: Partial<codepipeline.PipelineProps> = {}) {
  const { stack, pipeline, source } = pipelineStack('TestStack', pipelineProps);
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source], ...props });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  return { stack, step };
}

const OURS = /^\/TestStack\/(SmokeTest|Pipeline\/Test\/SmokeTest)\//;

test('a default LambdaInvokeStep in a pipeline leaves no unsuppressed cdk-nag error', () => {
  const { stack } = stepInPipeline();
  expect(nagErrors(stack, OURS)).toEqual([]);
});

test('the reasons are metadata cdk-nag reads, and suppressions the user adds with cdk-nag join them', () => {
  const { step } = stepInPipeline();
  const queue = step.failureQueue!.node.defaultChild as CfnResource;
  expect(queue.getMetadata('cdk_nag').rules_to_suppress).toEqual(['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']
    .map(id => expect.objectContaining({ id, reason: expect.stringContaining('on-failure destination') })));
  const role = step.lambdaFunction.role!.node.defaultChild as CfnResource;
  NagSuppressions.addResourceSuppressions(role, [{ id: 'AwsSolutions-IAM5', reason: 'the user\'s own reason, long enough for cdk-nag' }]);
  expect(role.getMetadata('cdk_nag').rules_to_suppress.map((rule: any) => rule.id)).toEqual(['AwsSolutions-IAM4', 'AwsSolutions-IAM5']);
});

test('without the explanations the same stack has errors (the check can fail)', () => {
  const { stack, step } = stepInPipeline();
  (step.failureQueue!.node.defaultChild as CfnResource).addMetadata('cdk_nag', { rules_to_suppress: [] });
  (step.jobResultPolicy!.node.defaultChild as CfnResource).addMetadata('cdk_nag', { rules_to_suppress: [] });
  expect(nagErrors(stack, OURS)).toEqual([
    '/TestStack/SmokeTest/FailureQueue/Resource: AwsSolutions-SQS3',
    '/TestStack/SmokeTest/JobResultPolicy/Resource: AwsSolutions-IAM5[Resource::*]',
  ]);
});

test('a wildcard the user adds to the function\'s role is still reported; the step\'s own statements are not', () => {
  const { stack, pipeline, source } = pipelineStack();
  const role = new iam.Role(stack, 'FunctionRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source], functionProps: { role } });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  step.lambdaFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:*'], resources: ['*'] }));

  expect(nagErrors(stack, /^\/TestStack\/(FunctionRole|SmokeTest|Pipeline\/Test\/SmokeTest)\//)).toEqual([
    '/TestStack/FunctionRole/DefaultPolicy/Resource: AwsSolutions-IAM5[Action::s3:*]',
    '/TestStack/FunctionRole/DefaultPolicy/Resource: AwsSolutions-IAM5[Resource::*]',
    '/TestStack/FunctionRole/DefaultPolicy/Resource: AwsSolutions-IAM5[Action::sqs:*]',
  ]);
});

test('a wildcard the user adds to their action role is still reported; the action\'s own statements are not', () => {
  const { stack, pipeline, source } = pipelineStack();
  const actionRole = new iam.Role(stack, 'InvokeRole', { assumedBy: new iam.AccountRootPrincipal() });
  actionRole.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:*'], resources: ['*'] }));
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source], actionRole });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });

  expect(nagErrors(stack, /^\/TestStack\/(InvokeRole|SmokeTest|Pipeline\/Test\/SmokeTest)\//)).toEqual([
    '/TestStack/InvokeRole/DefaultPolicy/Resource: AwsSolutions-IAM5[Action::lambda:*]',
    '/TestStack/InvokeRole/DefaultPolicy/Resource: AwsSolutions-IAM5[Resource::*]',
  ]);
});

test.each([
  ['in the stack', (stack: Stack) => new s3.Bucket(stack, 'MyStore', { enforceSSL: true })],
  ['imported by name', (stack: Stack) => s3.Bucket.fromBucketName(stack, 'Imported', 'my-artifact-store')],
])('an artifact bucket the user gives (%s) is explained on the action\'s policy by its own name', (_, makeBucket) => {
  const { stack, pipeline, source } = pipelineStack('TestStack', {}, makeBucket);
  const report = new codepipeline.Artifact('Report');
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source], outputs: [report] });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  expect(nagErrors(stack, /^\/TestStack\/Pipeline\/Test\/SmokeTest\//)).toEqual([]);
});

test('a LambdaInvokePipelinesStep in CDK Pipelines leaves no unsuppressed cdk-nag error on the step\'s resources', () => {
  const { pipeline, pipelineStack: stack, prod, smokeTest } = pipelinesApp();
  pipeline.addStage(prod, { post: [smokeTest] });
  pipeline.buildPipeline();
  expect(nagErrors(stack, /^\/PipelineStack\/(SmokeTestFunction|Pipeline\/Pipeline\/Prod\/SmokeTest)\//)).toEqual([]);
  const actionPolicy = stack.node.findAll().filter(construct => /\/Prod\/SmokeTest\/LambdaInvokeStepPolicy\/Resource$/.test(construct.node.path));
  expect(actionPolicy).toHaveLength(1);
  expect((actionPolicy[0] as CfnResource).getMetadata('cdk_nag').rules_to_suppress.map((rule: any) => rule.id)).toEqual(['AwsSolutions-IAM5', 'AwsSolutions-IAM5',
    'NIST.800.53.R5-IAMNoInlinePolicy', 'HIPAA.Security-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy']);
});
