import { aws_lambda as lambda } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { LambdaInvokeStep, LambdaInvokeStepProps } from '../src';
import { HANDLER_ENTRY, findAction, pipelineStack } from './support/template';

function synth(props: Partial<LambdaInvokeStepProps>) {
  const { stack, pipeline } = pipelineStack();
  const step = new LambdaInvokeStep(stack, 'Notify', { entry: HANDLER_ENTRY, ...props });
  pipeline.addStage({ stageName: 'Notify', actions: [step.action] });
  return { stack, step, template: () => Template.fromStack(stack) };
}

const environmentOf = (template: Template, functionPath: string) => Object.entries<any>(template.findResources('AWS::Lambda::Function'))
  .find(([id]) => id.startsWith(functionPath))![1].Properties.Environment?.Variables ?? {};

describe('CodePipeline variables in user parameters', () => {
  test('are accepted, and the function learns which the action uses', () => {
    const { template } = synth({ userParameters: { commit: '#{SourceVariables.CommitId}', run: '#{codepipeline.PipelineExecutionId}' } });
    const t = template();
    expect(findAction(t, 'Notify').Configuration.UserParameters).toBe('{"commit":"#{SourceVariables.CommitId}","run":"#{codepipeline.PipelineExecutionId}"}');
    expect(environmentOf(t, 'NotifyFunction').CDK_LAMBDA_INVOKE_STEP_PARAMETER_VARIABLES)
      .toBe('["#{SourceVariables.CommitId}","#{codepipeline.PipelineExecutionId}"]');
  });

  test('no variables, no environment variable', () => {
    const { template } = synth({ userParameters: { url: 'https://example.com' } });
    expect(environmentOf(template(), 'NotifyFunction')).not.toHaveProperty('CDK_LAMBDA_INVOKE_STEP_PARAMETER_VARIABLES');
  });

  test('another step\'s variable() resolves to its namespace in the action\'s configuration', () => {
    const { stack, pipeline } = pipelineStack();
    const report = new LambdaInvokeStep(stack, 'Report', { entry: HANDLER_ENTRY, outputVariables: ['REPORT_URL'] });
    pipeline.addStage({ stageName: 'Report', actions: [report.action] });
    const notify = new LambdaInvokeStep(stack, 'Notify', { entry: HANDLER_ENTRY, userParameters: { url: report.variable('REPORT_URL') } });
    pipeline.addStage({ stageName: 'Notify', actions: [notify.action] });
    const template = Template.fromStack(stack);
    const namespace = findAction(template, 'Report').Namespace;
    expect(namespace).toEqual(expect.any(String));
    expect(findAction(template, 'Notify').Configuration.UserParameters).toBe(`{"url":"#{${namespace}.REPORT_URL}"}`);
    expect(environmentOf(template, 'NotifyFunction').CDK_LAMBDA_INVOKE_STEP_PARAMETER_VARIABLES).toBe(`["#{${namespace}.REPORT_URL}"]`);
  });

  test('count toward the 1000 characters as written', () => {
    const expression = '#{SourceVariables.CommitMessage}';
    const fill = (total: number) => ({ m: expression, p: 'x'.repeat(total - `{"m":"${expression}","p":""}`.length) });
    expect(() => synth({ userParameters: fill(1000) }).template()).not.toThrow();
    expect(() => synth({ userParameters: fill(1001) }).template()).toThrow(/`userParameters` must be at most 1000 characters once resolved \(CodePipeline action configuration value\), got 1001/);
  });
});

describe('LambdaInvokeStep.freeText()', () => {
  test('places the variable after the JSON, behind a boundary line, and counts it as written', () => {
    const { template } = synth({ userParameters: { message: LambdaInvokeStep.freeText('#{SourceVariables.CommitMessage}'), n: 1 } });
    const userParameters: string = findAction(template(), 'Notify').Configuration.UserParameters;
    const [header, json, separator, text] = userParameters.split('\n');
    expect(header).toMatch(/^cdk-lambda-invoke-step:free-text:[0-9a-f]{16}$/);
    expect(JSON.parse(json)).toEqual({ message: { $freeText: 0 }, n: 1 });
    expect(separator).toBe(`${header.split(':').pop()}:0`);
    expect(text).toBe('#{SourceVariables.CommitMessage}');
  });

  test('anywhere but as a whole value of userParameters is refused', () => {
    const text = LambdaInvokeStep.freeText('#{SourceVariables.CommitMessage}');
    expect(() => synth({ userParameters: { message: `commit: ${text}` } }).template())
      .toThrow(/LambdaInvokeStep.freeText\('#\{SourceVariables.CommitMessage\}'\) must be a whole value of a LambdaInvokeStep's `userParameters` object/);
    expect(() => synth({ userParametersString: text }).template()).toThrow(/must be a whole value/);
  });
});

test('an imported function cannot be told the variables: a warning says which to set', () => {
  const { stack, pipeline } = pipelineStack('TestStack', {}, undefined, { env: { account: '123456789012', region: 'us-east-1' } });
  const step = new LambdaInvokeStep(stack, 'Notify', {
    existingFunction: lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:us-east-1:123456789012:function:notify'),
    userParameters: { commit: '#{SourceVariables.CommitId}' },
  });
  pipeline.addStage({ stageName: 'Notify', actions: [step.action] });
  Annotations.fromStack(stack).hasWarning('/TestStack/Notify', Match.stringLikeRegexp('set its environment variable CDK_LAMBDA_INVOKE_STEP_PARAMETER_VARIABLES'));
});
