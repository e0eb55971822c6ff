import { CfnOutput, Stack, aws_codepipeline as codepipeline, aws_iam as iam, pipelines } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { LambdaInvokePipelinesStep, LambdaInvokeStep } from '../../src';
import { LIMITS } from '../../src/common/limits';
import { naming } from '../support/messages';
import { AppStage, ENV, pipelinesApp } from '../support/pipelines-app';
import { HANDLER_ENTRY, actionNamed, failureReporterLogicalId, findAction, stepFunctionLogicalId, pipelineActions, roleRunningAction, statementsOfRole } from '../support/template';

describe.each([true, false])('in a CDK Pipelines app (self-mutation %s), in a wave\'s post', selfMutation => {
  let template: Template;

  beforeAll(() => {
    const { pipeline, pipelineStack, prod, smokeTest } = pipelinesApp({ selfMutation });
    const publish = new pipelines.ShellStep('Publish', {
      input: smokeTest,
      commands: ['cat report.json'],
      env: { REPORT_URL: smokeTest.variable('REPORT_URL') },
    });
    const notify = new pipelines.CodeBuildStep('Notify', { commands: ['echo "$URL"'], env: { URL: smokeTest.variable('REPORT_URL') } });
    // The consumers come first in the list: the pipeline must still order them after the step.
    pipeline.addWave('Release', { post: [publish, notify, smokeTest] }).addStage(prod);
    template = Template.fromStack(pipelineStack);
  });

  test('self-mutation is as configured', () => {
    expect(pipelineActions(template).some(({ action }) => action.Name === 'SelfMutate')).toBe(selfMutation);
  });

  test('the action invokes the function with the synth output as input and its own output', () => {
    const { action } = actionNamed(template, /SmokeTest$/);
    expect(action.ActionTypeId).toEqual({ Category: 'Invoke', Owner: 'AWS', Provider: 'Lambda', Version: '1' });
    expect(action.Configuration.FunctionName).toEqual({ Ref: stepFunctionLogicalId(template) });
    expect(action.InputArtifacts).toEqual([{ Name: 'Synth_Output' }]);
    expect(action.OutputArtifacts).toEqual([{ Name: 'SmokeTest_Output' }]);
  });

  test('the stack output in the user parameters resolves to the deploy action\'s variable, and the step runs after that deploy', () => {
    const deploy = actionNamed(template, /App\.Deploy$/);
    const smokeTest = actionNamed(template, /SmokeTest$/);
    expect(deploy.action.Namespace).toMatch(/^[A-Za-z0-9@\-_]+$/);
    expect(smokeTest.action.Configuration.UserParameters).toBe(`{"url":"#{${deploy.action.Namespace}.Url}","mode":"full"}`);
    expect(smokeTest.stage).toBe(deploy.stage);
    expect(smokeTest.action.RunOrder).toBeGreaterThan(deploy.action.RunOrder);
  });

  test('a ShellStep consuming the step\'s output and variable runs after it and reads #{namespace.name}', () => {
    const smokeTest = actionNamed(template, /SmokeTest$/);
    const publish = actionNamed(template, /Publish$/);
    expect(smokeTest.action.Namespace).toBe(`${smokeTest.stage}@${smokeTest.action.Name}`.replace(/[^a-zA-Z0-9@_-]/g, '@'));
    expect(JSON.parse(publish.action.Configuration.EnvironmentVariables)).toContainEqual({
      name: 'REPORT_URL', type: 'PLAINTEXT', value: `#{${smokeTest.action.Namespace}.REPORT_URL}`,
    });
    expect(publish.action.InputArtifacts).toEqual([{ Name: 'SmokeTest_Output' }]);
    expect(publish.stage).toBe(smokeTest.stage);
    expect(publish.action.RunOrder).toBeGreaterThan(smokeTest.action.RunOrder);
  });

  test('a CodeBuildStep reading the variable in its environment runs after the step', () => {
    const smokeTest = actionNamed(template, /SmokeTest$/);
    const notify = actionNamed(template, /Notify$/);
    expect(JSON.parse(notify.action.Configuration.EnvironmentVariables)).toContainEqual({
      name: 'URL', type: 'PLAINTEXT', value: `#{${smokeTest.action.Namespace}.REPORT_URL}`,
    });
    expect(notify.action.RunOrder).toBeGreaterThan(smokeTest.action.RunOrder);
  });

  test('the role that runs the action may list and invoke the function', () => {
    const role = roleRunningAction(template, actionNamed(template, /SmokeTest$/).action.Name);
    const statements = statementsOfRole(template, role);
    expect(statements).toContainEqual({ Action: 'lambda:ListFunctions', Effect: 'Allow', Resource: '*' });
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 'lambda:InvokeFunction',
      Resource: expect.arrayContaining([{ 'Fn::GetAtt': [stepFunctionLogicalId(template), 'Arn'] }]),
    }));
  });

  test('the function, its failure reporter and its failure queue exist once, with a config each for the function and the reporter', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: stepFunctionLogicalId(template) },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failureReporterLogicalId(template), 'Arn'] } } },
    });
  });
});

describe('placement', () => {
  test('in a stage\'s pre, after a step it depends on, with the run order CDK Pipelines hands it', () => {
    const { pipeline, pipelineStack, prod, smokeTest } = pipelinesApp({ stepProps: { userParameters: { mode: 'pre' } } });
    const check = new pipelines.ShellStep('Check', { commands: ['true'] });
    smokeTest.addStepDependency(check);
    pipeline.addStage(prod, { pre: [smokeTest, check] });
    const template = Template.fromStack(pipelineStack);
    const prepare = actionNamed(template, /App\.Prepare$/);
    const checkAction = actionNamed(template, /Check$/);
    const smokeAction = actionNamed(template, /SmokeTest$/);
    expect(smokeAction.action.Name).toBe('SmokeTest');
    expect(smokeAction.action.RunOrder).toBeGreaterThan(checkAction.action.RunOrder);
    expect(prepare.action.RunOrder).toBeGreaterThan(smokeAction.action.RunOrder);
    expect(smokeAction.action.Configuration.UserParameters).toBe('{"mode":"pre"}');
  });

  test('in a sequence made with Step.sequence', () => {
    const { pipeline, pipelineStack, prod, smokeTest } = pipelinesApp();
    const before = new pipelines.ShellStep('Before', { commands: ['true'] });
    const after = new pipelines.ShellStep('After', { commands: ['true'] });
    pipeline.addStage(prod, { post: pipelines.Step.sequence([before, smokeTest, after]) });
    const template = Template.fromStack(pipelineStack);
    const [beforeAction, smokeAction, afterAction] = [/Before$/, /SmokeTest$/, /After$/].map(name => actionNamed(template, name).action);
    expect(smokeAction.RunOrder).toBeGreaterThan(beforeAction.RunOrder);
    expect(afterAction.RunOrder).toBeGreaterThan(smokeAction.RunOrder);
  });

  test('takes the user parameters of the LambdaInvokeStep when it has none of its own, and its action role', () => {
    const { pipeline, pipelineStack, prod } = pipelinesApp();
    const actionRole = new iam.Role(pipelineStack, 'InvokeRole', { assumedBy: new iam.AccountRootPrincipal() });
    const construct = new LambdaInvokeStep(pipelineStack, 'WithRole', { entry: HANDLER_ENTRY, userParametersString: 'from-the-construct', actionRole });
    pipeline.addStage(prod, { post: [new LambdaInvokePipelinesStep('Inherits', { lambdaInvokeStep: construct })] });
    const template = Template.fromStack(pipelineStack);
    const { action } = actionNamed(template, /Inherits$/);
    expect(action.Configuration.UserParameters).toBe('from-the-construct');
    expect(roleRunningAction(template, action.Name)).toBe(pipelineStack.getLogicalId(actionRole.node.defaultChild as iam.CfnRole));
  });

  test('declares the stack outputs it consumes', () => {
    const { smokeTest, prod } = pipelinesApp();
    expect(smokeTest.consumedStackOutputs.map(output => output.outputName)).toEqual([prod.url.node.id]);
  });

  test('variable() refuses names the LambdaInvokeStep does not declare', () => {
    const { smokeTest } = pipelinesApp();
    expect(() => smokeTest.variable('OTHER')).toThrow(naming('variable()', 'declared in `outputVariables`', '(REPORT_URL)', "got 'OTHER'"));
  });
});

describe('bad input', () => {
  const synthesize = (stack: Stack) => () => Template.fromStack(stack);

  test('an input that is not produced anywhere in the pipeline (CDK\'s own message)', () => {
    const { pipeline, pipelineStack, prod, smokeTestFunction } = pipelinesApp();
    const orphan = pipelines.CodePipelineFileSet.fromArtifact(new codepipeline.Artifact('Orphan'));
    pipeline.addStage(prod, { post: [new LambdaInvokePipelinesStep('Orphaned', { lambdaInvokeStep: smokeTestFunction, inputs: [orphan] })] });
    expect(synthesize(pipelineStack)).toThrow(/Action 'Orphaned' is using input Artifact 'Orphan', which is not being produced in this pipeline/);
  });

  test(`more than ${LIMITS.artifacts.max} inputs`, () => {
    const { synth } = pipelinesApp();
    const count = LIMITS.artifacts.max + 1;
    expect(() => pipelinesApp({ stepProps: { inputs: Array.from({ length: count }, () => synth) } }))
      .toThrow(naming("LambdaInvokePipelinesStep 'SmokeTest'", '`inputs`', `at most ${LIMITS.artifacts.max}`, `got ${count}`));
  });

  test('a stack output from a stack the pipeline does not deploy (CDK\'s own message)', () => {
    const { app, pipeline, pipelineStack, prod, smokeTestFunction } = pipelinesApp();
    const elsewhere = new CfnOutput(new Stack(app, 'Elsewhere'), 'Thing', { value: 'x' });
    pipeline.addStage(prod, {
      post: [new LambdaInvokePipelinesStep('ReadsElsewhere', {
        lambdaInvokeStep: smokeTestFunction,
        userParameters: { thing: pipelines.StackOutputReference.fromCfnOutput(elsewhere) },
      })],
    });
    expect(synthesize(pipelineStack)).toThrow("Stack 'Elsewhere' (producing output 'Thing') is not in the pipeline");
  });

  test('a function in another account than a pipeline without crossAccountKeys (aws-cdk-lib\'s message names the prop)', () => {
    const { app, pipeline, pipelineStack, prod } = pipelinesApp();
    const other = new LambdaInvokeStep(new Stack(app, 'FunctionStack', { env: { account: '222222222222', region: ENV.region } }), 'Remote', {
      entry: HANDLER_ENTRY,
    });
    pipeline.addStage(prod, { post: [new LambdaInvokePipelinesStep('Remote', { lambdaInvokeStep: other })] });
    expect(synthesize(pipelineStack)).toThrow(/cross-account action 'Remote'.*Create Pipeline with 'crossAccountKeys: true'/);
  });

  test('a function in another region beside the pipeline\'s stack runs in that region', () => {
    const { app, pipeline, pipelineStack, prod } = pipelinesApp();
    const other = new LambdaInvokeStep(new Stack(app, 'FunctionStack', { env: { account: ENV.account, region: 'eu-west-1' } }), 'Remote', {
      entry: HANDLER_ENTRY,
    });
    pipeline.addStage(prod, { post: [new LambdaInvokePipelinesStep('Remote', { lambdaInvokeStep: other })] });
    expect(findAction(Template.fromStack(pipelineStack), 'Remote').Region).toBe('eu-west-1');
  });

  test('a function inside a stage the pipeline deploys, placed after another stage', () => {
    const { app, pipeline, pipelineStack, prod } = pipelinesApp();
    const beta = new AppStage(app, 'Beta', { env: ENV });
    const inStage = new LambdaInvokeStep(beta.node.findChild('App') as Stack, 'InStage', { entry: HANDLER_ENTRY });
    pipeline.addStage(prod, { post: [new LambdaInvokePipelinesStep('InStage', { lambdaInvokeStep: inStage })] });
    expect(synthesize(pipelineStack)).toThrow(/the function is in stack Beta\/App, inside a stage, so the step runs only in the `post` of the stage that deploys it.*placed in: post of stage Prod/);
  });

  test('the same step in two waves', () => {
    const { app, pipeline, pipelineStack, prod, smokeTest } = pipelinesApp();
    pipeline.addStage(new AppStage(app, 'Beta', { env: ENV }), { post: [smokeTest] });
    pipeline.addStage(prod, { post: [smokeTest] });
    expect(synthesize(pipelineStack)).toThrow(naming("LambdaInvokePipelinesStep 'SmokeTest'", 'placed in the pipeline 2 times', '(post of stage Beta, post of stage Prod)', 'runs once'));
  });

  test('the same step twice in one wave, which CDK would merge into one action', () => {
    const { app, pipeline, pipelineStack, prod, smokeTest } = pipelinesApp();
    const wave = pipeline.addWave('Wave');
    wave.addStage(new AppStage(app, 'Beta', { env: ENV }), { post: [smokeTest] });
    wave.addStage(prod, { post: [smokeTest] });
    expect(synthesize(pipelineStack)).toThrow(naming("LambdaInvokePipelinesStep 'SmokeTest'", 'placed in the pipeline 2 times', '(post of stage Beta, post of stage Prod)'));
  });

  test('one LambdaInvokeStep with a variablesNamespace behind two steps of one pipeline, which CodePipeline would reject', () => {
    const { app, pipeline, pipelineStack, prod, smokeTestFunction } = pipelinesApp({ constructProps: { variablesNamespace: 'SmokeTest' } });
    pipeline.addStage(new AppStage(app, 'Beta', { env: ENV }), { post: [new LambdaInvokePipelinesStep('BetaTest', { lambdaInvokeStep: smokeTestFunction })] });
    pipeline.addStage(prod, { post: [new LambdaInvokePipelinesStep('ProdTest', { lambdaInvokeStep: smokeTestFunction })] });
    expect(synthesize(pipelineStack)).toThrow(naming('[PipelineStack/SmokeTestFunction]', "`variablesNamespace` 'SmokeTest'", 'two actions', 'PipelineStack/Pipeline/Pipeline',
      'PipelineStack/Pipeline/Pipeline/Beta/BetaTest', 'PipelineStack/Pipeline/Pipeline/Prod/ProdTest', 'unique in a pipeline'));
  });

  test('a variablesNamespace on the LambdaInvokeStep names the action when no later step reads its variables', () => {
    const { pipeline, pipelineStack, prod, smokeTestFunction } = pipelinesApp({ constructProps: { variablesNamespace: 'SmokeTest' } });
    pipeline.addStage(prod, { post: [new LambdaInvokePipelinesStep('ProdTest', { lambdaInvokeStep: smokeTestFunction })] });
    const template = Template.fromStack(pipelineStack);
    expect(actionNamed(template, /ProdTest$/).action.Namespace).toBe('SmokeTest');
    Annotations.fromStack(pipelineStack).hasNoWarning('*', Match.stringLikeRegexp('variablesNamespace'));
  });

  test('a variablesNamespace that CDK Pipelines replaces, because a later step reads variable(), is warned about', () => {
    const { pipeline, pipelineStack, prod, smokeTest } = pipelinesApp({ constructProps: { variablesNamespace: 'SmokeTest' } });
    const publish = new pipelines.ShellStep('Publish', { commands: ['echo $URL'], env: { URL: smokeTest.variable('REPORT_URL') } });
    pipeline.addStage(prod, { post: [smokeTest, publish] });
    const template = Template.fromStack(pipelineStack);
    const namespace = actionNamed(template, /SmokeTest$/).action.Namespace;
    expect(namespace).toBe('Prod@SmokeTest');
    Annotations.fromStack(pipelineStack).hasWarning('/PipelineStack/SmokeTestFunction', Match.stringLikeRegexp(
      `LambdaInvokePipelinesStep 'SmokeTest' reads its variables through variable\\(\\), so CDK Pipelines names them '${namespace}': \`variablesNamespace\` 'SmokeTest' does not apply`));
  });

  test('one LambdaInvokeStep behind two steps is fine, and is created once', () => {
    const { app, pipeline, pipelineStack, prod, smokeTestFunction } = pipelinesApp();
    pipeline.addStage(new AppStage(app, 'Beta', { env: ENV }), { post: [new LambdaInvokePipelinesStep('BetaTest', { lambdaInvokeStep: smokeTestFunction })] });
    pipeline.addStage(prod, { post: [new LambdaInvokePipelinesStep('ProdTest', { lambdaInvokeStep: smokeTestFunction })] });
    const template = Template.fromStack(pipelineStack);
    expect(actionNamed(template, /BetaTest$/).action.Configuration.FunctionName).toEqual(actionNamed(template, /ProdTest$/).action.Configuration.FunctionName);
    // The function and its failure reporter.
    template.resourceCountIs('AWS::Lambda::Function', 2);
  });

  test('a LambdaInvokeStep with codepipeline.Artifact inputs or outputs', () => {
    const artifact = new codepipeline.Artifact('Plain');
    expect(() => pipelinesApp({ constructProps: { inputs: [artifact] } }))
      .toThrow(/LambdaInvokePipelinesStep 'SmokeTest': the LambdaInvokeStep's `inputs` \(codepipeline.Artifact\) do not apply in CDK Pipelines; give file sets as `inputs` of the LambdaInvokePipelinesStep instead, got 1/);
    expect(() => pipelinesApp({ constructProps: { outputs: [artifact] } }))
      .toThrow(/the LambdaInvokeStep's `outputs` .* give file sets as `inputs` and set `producesOutput` of the LambdaInvokePipelinesStep instead, got 1/);
  });

  test('user parameters both on the step and on the LambdaInvokeStep, or both kinds on the step', () => {
    expect(() => pipelinesApp({ constructProps: { userParametersString: 'x' } }))
      .toThrow(naming("LambdaInvokePipelinesStep 'SmokeTest'", 'user parameters', 'both here and on the LambdaInvokeStep'));
    expect(() => pipelinesApp({ stepProps: { userParametersString: 'x' } }))
      .toThrow(naming('`userParameters`', '`userParametersString`', 'mutually exclusive', 'got both'));
  });

  test('user parameters over 1000 characters once the stack outputs are filled in', () => {
    const { pipeline, pipelineStack, prod, smokeTestFunction } = pipelinesApp();
    pipeline.addStage(prod, {
      post: [new LambdaInvokePipelinesStep('Long', {
        lambdaInvokeStep: smokeTestFunction,
        userParameters: { pad: 'p'.repeat(975), url: pipelines.StackOutputReference.fromCfnOutput(prod.url) },
      })],
    });
    // {"pad":"<975>","url":"#{ProdAppB2A2DCC5.Url}"}: 8 + 975 + 9 + 22 + 2 characters
    expect(synthesize(pipelineStack)).toThrow(naming("LambdaInvokePipelinesStep 'Long'", '`userParameters`', `at most ${LIMITS.configurationValue.max} characters`, 'got 1016'));
  });
});
