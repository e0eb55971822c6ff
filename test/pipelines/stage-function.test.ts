import { Environment, Stack, Stage, StageProps, aws_lambda as lambda, pipelines } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { LambdaInvokePipelinesStep, LambdaInvokeStep, LambdaInvokeStepProps } from '../../src';
import { ENV } from '../support/pipelines-app';
import { HANDLER_ENTRY, appWithoutBundling, failureReporterLogicalId, findAction, namedRole, stepFunctionLogicalId, partitionArn } from '../support/template';

/** An application stage whose smoke test function is defined beside the application, in the stage's own stack. */
class SmokeTestedStage extends Stage {
  public readonly app: Stack;
  public readonly smokeTest: LambdaInvokeStep;
  constructor(scope: Construct, id: string, props: StageProps & { stepProps?: (stack: Stack) => Partial<LambdaInvokeStepProps> }) {
    super(scope, id, props);
    this.app = new Stack(this, 'App');
    this.smokeTest = new LambdaInvokeStep(this.app, 'SmokeTest', { entry: HANDLER_ENTRY, ...props.stepProps?.(this.app) });
  }
}

function pipelineWithStage(stageEnv: Environment, stepProps?: (stack: Stack) => Partial<LambdaInvokeStepProps>) {
  const app = appWithoutBundling();
  const pipelineStack = new Stack(app, 'PipelineStack', { env: ENV });
  const synth = new pipelines.ShellStep('Synth', {
    input: pipelines.CodePipelineSource.connection('owner/repo', 'main', { connectionArn: 'arn:aws:codeconnections:us-east-1:111111111111:connection/x' }),
    commands: ['npx cdk synth'],
  });
  const pipeline = new pipelines.CodePipeline(pipelineStack, 'Pipeline', { synth, crossAccountKeys: true, selfMutation: false });
  const prod = new SmokeTestedStage(app, 'Prod', { env: stageEnv, stepProps });
  return { app, pipelineStack, pipeline, prod, synth };
}

function synthPlacedInPost(stageEnv: Environment) {
  const built = pipelineWithStage(stageEnv);
  built.pipeline.addStage(built.prod, { post: [new LambdaInvokePipelinesStep('SmokeTest', { lambdaInvokeStep: built.prod.smokeTest, inputs: [built.synth] })] });
  const pipelineTemplate = Template.fromStack(built.pipelineStack);
  const stageTemplate = Template.fromJSON(built.prod.synth().getStackArtifact(built.prod.app.artifactId).template);
  const functionName: string = stageTemplate.findResources('AWS::Lambda::Function')[stepFunctionLogicalId(stageTemplate)].Properties.FunctionName;
  const action = findAction(pipelineTemplate, 'SmokeTest');
  return { ...built, pipelineTemplate, stageTemplate, functionName, action };
}

const runOrderOf = (template: Template, stageName: string) => Object.values<any>(template.findResources('AWS::CodePipeline::Pipeline'))[0]
  .Properties.Stages.find((stage: any) => stage.Name === stageName).Actions.map((action: any) => [action.Name, action.RunOrder]);

describe('a step defined in a stage\'s stack, in the post of that stage', () => {
  test('same account and region: the stage\'s function gets a name, and the pipeline\'s action invokes it by that name after the stacks deploy', () => {
    const { pipelineTemplate, stageTemplate, functionName, action } = synthPlacedInPost(ENV);
    expect(functionName).toMatch(/^[A-Za-z0-9]{1,64}$/);
    expect(action.Configuration.FunctionName).toBe(functionName);
    expect(action.Region).toBeUndefined();
    expect(action.RoleArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    const [[, deployOrder], [, stepOrder]] = runOrderOf(pipelineTemplate, 'Prod').sort((a: any, b: any) => a[1] - b[1]);
    expect(stepOrder).toBeGreaterThan(deployOrder);
    pipelineTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'lambda:InvokeFunction',
          Resource: Match.arrayWith([partitionArn(`:lambda:us-east-1:111111111111:function:${functionName}`)]),
        })]),
      },
    });
    // What the function needs is in the stage's stack; no role for the action there.
    stageTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'], Effect: 'Allow', Resource: '*' }] },
    });
    stageTemplate.resourceCountIs('AWS::SQS::Queue', 1);
    stageTemplate.resourcePropertiesCountIs('AWS::IAM::Role', { RoleName: Match.anyValue() }, 0);
    // The failure reporter is in the stage's stack too, beside the function it reports for.
    stageTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: stepFunctionLogicalId(stageTemplate) },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failureReporterLogicalId(stageTemplate), 'Arn'] } } },
    });
    pipelineTemplate.resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('another account: a role in the stage\'s stack runs the action, trusting the pipeline\'s account, with the pipeline\'s artifacts open to it', () => {
    const { pipelineTemplate, stageTemplate, functionName, action } = synthPlacedInPost({ account: '222222222222', region: ENV.region });
    const [roleId, role] = namedRole(stageTemplate);
    const roleName: string = role.RoleName;
    expect(roleName.length).toBeLessThanOrEqual(64);
    expect(action.RoleArn).toEqual(partitionArn(`:iam::222222222222:role/${roleName}`));
    expect(action.Configuration.FunctionName).toBe(functionName);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { AWS: partitionArn(':iam::111111111111:root') },
    }]);
    stageTemplate.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 'lambda:ListFunctions', Effect: 'Allow', Resource: '*' },
          Match.objectLike({ Action: 'lambda:InvokeFunction' }),
          Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*', 's3:PutObject']), Condition: { StringEquals: { 's3:ResourceAccount': '111111111111' } } }),
          Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey*']), Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } } }),
        ]),
      },
    });
    // The failure reporter reports in the stage's account, where the function runs.
    expect(failureReporterLogicalId(stageTemplate)).toBeDefined();
    const roleArn = partitionArn(`:iam::222222222222:role/${roleName}`);
    pipelineTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'sts:AssumeRole', Effect: 'Allow', Resource: roleArn }]) },
    });
    pipelineTemplate.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']), Principal: { AWS: roleArn } })]) },
    });
    pipelineTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']), Principal: { AWS: roleArn } })]) },
    });
  });

  test('another region: the action runs in the stage\'s region, with an artifact bucket the pipeline keeps there', () => {
    const { app, pipelineTemplate, functionName, action } = synthPlacedInPost({ account: ENV.account, region: 'eu-west-1' });
    expect(action.Region).toBe('eu-west-1');
    expect(action.Configuration.FunctionName).toBe(functionName);
    const stores = Object.values<any>(pipelineTemplate.findResources('AWS::CodePipeline::Pipeline'))[0].Properties.ArtifactStores;
    expect(stores.map((store: any) => store.Region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    const supportStack = app.synth().stacks.find(stack => stack.environment.region === 'eu-west-1' && stack.template.Resources
      && Object.values<any>(stack.template.Resources).some(resource => resource.Type === 'AWS::S3::Bucket'));
    expect(supportStack).toBeDefined();
    pipelineTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'lambda:InvokeFunction',
          Resource: Match.arrayWith([partitionArn(`:lambda:eu-west-1:111111111111:function:${functionName}`)]),
        })]),
      },
    });
  });

  test('an alias of the user\'s named function is invoked by name and alias', () => {
    const built = pipelineWithStage(ENV, stack => {
      const fn = new lambda.Function(stack, 'Checker', {
        functionName: 'prod-checker',
        runtime: lambda.Runtime.PYTHON_3_13,
        handler: 'index.handler',
        code: lambda.Code.fromInline('def handler(event, context): pass'),
      });
      return { entry: undefined, existingFunction: new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion }) };
    });
    built.pipeline.addStage(built.prod, { post: [new LambdaInvokePipelinesStep('SmokeTest', { lambdaInvokeStep: built.prod.smokeTest })] });
    expect(findAction(Template.fromStack(built.pipelineStack), 'SmokeTest').Configuration.FunctionName).toBe('prod-checker:live');
  });
});

describe('what stays refused, with an error saying why', () => {
  test('in the pre of its own stage, before its function is deployed', () => {
    const { pipeline, prod, pipelineStack } = pipelineWithStage(ENV);
    pipeline.addStage(prod, { pre: [new LambdaInvokePipelinesStep('SmokeTest', { lambdaInvokeStep: prod.smokeTest })] });
    expect(() => Template.fromStack(pipelineStack)).toThrow(
      /\[Prod\/App\/SmokeTest\] LambdaInvokePipelinesStep 'SmokeTest': the function is in stack Prod\/App, inside a stage, so the step runs only in the `post` of the stage that deploys it.*placed in: pre of stage Prod/);
  });

  test('made after its stage was added: the stage was synthesized without what the step needs', () => {
    const { pipeline, prod } = pipelineWithStage({ account: '222222222222', region: ENV.region });
    pipeline.addStage(prod);
    expect(() => new LambdaInvokePipelinesStep('SmokeTest', { lambdaInvokeStep: prod.smokeTest })).toThrow(
      /stage Prod was already added to PipelineStack\/Pipeline, which synthesized it without the name and role this step needs in it: make the LambdaInvokePipelinesStep before `addStage\(\)`/);
  });

  test('a user\'s function with no functionName', () => {
    const { prod } = pipelineWithStage(ENV, stack => ({
      entry: undefined,
      existingFunction: new lambda.Function(stack, 'Unnamed', { runtime: lambda.Runtime.PYTHON_3_13, handler: 'index.handler', code: lambda.Code.fromInline('x') }),
    }));
    expect(() => new LambdaInvokePipelinesStep('SmokeTest', { lambdaInvokeStep: prod.smokeTest }))
      .toThrow(/the function Prod\/App\/Unnamed has no `functionName` known at synthesis, which the pipeline's action needs to name it from outside the stage: give it one/);
  });

  test('no pipeline made yet', () => {
    const app = appWithoutBundling();
    const prod = new SmokeTestedStage(app, 'Prod', { env: ENV });
    expect(() => new LambdaInvokePipelinesStep('SmokeTest', { lambdaInvokeStep: prod.smokeTest })).toThrow(/no CDK Pipelines pipeline exists yet/);
  });
});
