import { Template } from 'aws-cdk-lib/assertions';
import { LambdaInvokePipelinesStep, LambdaInvokeStep } from '../src';
import { documentedDefault as documentedDefaultIn } from './support/doc-defaults';
import { pipelinesApp } from './support/pipelines-app';
import { HANDLER_ENTRY, actionNamed, findAction, pipelineStack, stepFunctionLogicalId } from './support/template';

// Each `@default` that names a value (the API reference and API.md show it) against what a step
// left at its defaults synthesizes, as limits.test.ts holds the docs' limits against LIMITS.
const documentedDefault = (prop: string) => documentedDefaultIn('src/lambda-invoke-step-props.ts', prop);

/** `Duration.days(14)`, `Duration.minutes(20)` as seconds. */
function durationSeconds(text: string): number {
  const [, unit, amount] = /^Duration\.(days|minutes)\((\d+)\)$/.exec(text) ?? [];
  return Number(amount) * (unit === 'days' ? 86_400 : 60);
}

function defaultStep(withArtifacts: boolean) {
  const { stack, pipeline, source } = pipelineStack();
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, ...(withArtifacts && { inputs: [source] }) });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  return { step, template: Template.fromStack(stack) };
}

const only = (template: Template, type: string) => {
  const resources = Object.values<any>(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0].Properties;
};

test('runOrder, failureReporterEnabled, failureDestinationEnabled: the literal @default is what a default step gets', () => {
  const { step, template } = defaultStep(true);
  expect(documentedDefault('runOrder')).toBe(String(findAction(template, 'SmokeTest').RunOrder));
  expect(documentedDefault('failureReporterEnabled')).toBe(String(step.failureReporter !== undefined));
  expect(documentedDefault('failureDestinationEnabled')).toBe(String(step.failureQueue !== undefined));
});

test('failureQueueRetentionPeriod and maxEventAge: the durations in @default are the template\'s', () => {
  const { template } = defaultStep(true);
  expect(only(template, 'AWS::SQS::Queue').MessageRetentionPeriod).toBe(durationSeconds(documentedDefault('failureQueueRetentionPeriod')));
  const stepConfig = Object.values<any>(template.findResources('AWS::Lambda::EventInvokeConfig'))
    .find(config => config.Properties.FunctionName.Ref === stepFunctionLogicalId(template)).Properties;
  expect(stepConfig.MaximumEventAgeInSeconds).toBe(durationSeconds(documentedDefault('maxEventAge')));
  expect(documentedDefault('retryAttempts')).toMatch(new RegExp(`^- ${stepConfig.MaximumRetryAttempts} with the failure reporter`));
});

test('functionProps: the timeout and both memory sizes in @default are the template\'s', () => {
  const documented = documentedDefault('functionProps');
  for (const withArtifacts of [true, false]) {
    const { template } = defaultStep(withArtifacts);
    const fn = template.findResources('AWS::Lambda::Function')[stepFunctionLogicalId(template)].Properties;
    expect(documented).toContain(`${fn.Timeout / 60} minute timeout`);
    const memory = fn.MemorySize.toLocaleString('en-US');
    expect(documented).toContain(withArtifacts ? `${memory} MB with artifacts` : `${memory} MB without`);
  }
});

test('LambdaInvokePipelinesStep: producesOutput\'s @default is what a step without it gets', () => {
  const documented = documentedDefaultIn('src/pipelines/lambda-invoke-pipelines-step.ts', 'producesOutput');
  const { pipeline, pipelineStack: stack, prod, smokeTestFunction } = pipelinesApp();
  const step = new LambdaInvokePipelinesStep('Check', { lambdaInvokeStep: smokeTestFunction });
  pipeline.addStage(prod, { post: [step] });
  const { action } = actionNamed(Template.fromStack(stack), /Check$/);
  expect(documented).toBe(String(action.OutputArtifacts !== undefined && action.OutputArtifacts.length > 0));
});
