import { Aspects, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { HANDLER_ENTRY, pipelineStack } from './helpers';
import { pipelinesApp } from './pipelines-app';
import { LambdaInvokeStep } from '../src';

// cdk-nag's AWS Solutions rules over a pipeline with a default step: none of the findings our
// construct, its function, its queue or the role running its action cause may stay unexplained.
function nagErrors(stack: Stack, ours: RegExp): string[] {
  Aspects.of(stack).add(new AwsSolutionsChecks());
  return Annotations.fromStack(stack).findError('*', Match.anyValue())
    .filter(message => ours.test(message.id))
    .map(message => `${message.id}: ${String(message.entry.data).split(':')[0]}`);
}

test('a default LambdaInvokeStep in a pipeline leaves no unsuppressed cdk-nag error', () => {
  const { stack, pipeline, source } = pipelineStack();
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source] });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  expect(nagErrors(stack, /^\/TestStack\/(SmokeTest|Pipeline\/Test\/SmokeTest)\//)).toEqual([]);
});

test('the reasons are metadata cdk-nag reads, and suppressions the user adds with cdk-nag join them', () => {
  const { stack, pipeline, source } = pipelineStack();
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source] });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  const queue = step.failureQueue!.node.defaultChild as CfnResource;
  expect(queue.getMetadata('cdk_nag').rules_to_suppress).toEqual([expect.objectContaining({ id: 'AwsSolutions-SQS3', reason: expect.stringContaining('on-failure destination') })]);
  const role = step.lambdaFunction.role!.node.defaultChild as CfnResource;
  NagSuppressions.addResourceSuppressions(role, [{ id: 'AwsSolutions-IAM5', reason: 'the user\'s own reason, long enough for cdk-nag' }]);
  expect(role.getMetadata('cdk_nag').rules_to_suppress.map((rule: any) => rule.id)).toEqual(['AwsSolutions-IAM4', 'AwsSolutions-IAM5']);
});

test('without the explanations the same stack has errors (the check can fail)', () => {
  const { stack, pipeline, source } = pipelineStack();
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source] });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  (step.failureQueue!.node.defaultChild as any).addMetadata('cdk_nag', { rules_to_suppress: [] });
  expect(nagErrors(stack, /^\/TestStack\/SmokeTest\//)).toEqual(['/TestStack/SmokeTest/FailureQueue/Resource: AwsSolutions-SQS3']);
});

test('a LambdaInvokePipelinesStep in CDK Pipelines leaves no unsuppressed cdk-nag error on the step\'s resources', () => {
  const { pipeline, pipelineStack: stack, prod, smokeTest } = pipelinesApp();
  pipeline.addStage(prod, { post: [smokeTest] });
  pipeline.buildPipeline();
  expect(nagErrors(stack, /^\/PipelineStack\/(SmokeTestFunction|Pipeline\/Pipeline\/Prod\/SmokeTest)\//)).toEqual([]);
  const actionPolicy = stack.node.findAll().filter(construct => /\/Prod\/SmokeTest\/CodePipelineActionRole\/DefaultPolicy\/Resource$/.test(construct.node.path));
  expect(actionPolicy).toHaveLength(1);
  expect((actionPolicy[0] as CfnResource).getMetadata('cdk_nag').rules_to_suppress.map((rule: any) => rule.id)).toEqual(['AwsSolutions-IAM5', 'AwsSolutions-IAM5']);
});
