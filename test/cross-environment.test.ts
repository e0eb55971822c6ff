import { Stack, StackProps, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_iam as iam, aws_s3 as s3 } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { LambdaInvokeStep, LambdaInvokeStepProps } from '../src';
import { HANDLER_ENTRY, appWithoutBundling, failureReporterLogicalId, findAction, namedRole, stepFunctionLogicalId, partitionArn } from './support/template';

const PIPELINE_ENV = { account: '111111111111', region: 'us-east-1' };
const OTHER_ACCOUNT = { account: '222222222222', region: 'us-east-1' };
const OTHER_REGION = { account: '111111111111', region: 'eu-west-1' };

/** A pipeline in one stack and a LambdaInvokeStep, reading and writing an artifact, in another. */
function twoStacks(functionEnv: StackProps['env'], pipelineProps: Partial<codepipeline.PipelineProps> = {},
  stepProps: (functionStack: Stack) => Partial<LambdaInvokeStepProps> = () => ({}), pipelineEnv: StackProps['env'] = PIPELINE_ENV) {
  const app = appWithoutBundling();
  const pipelineStack = new Stack(app, 'PipelineStack', { env: pipelineEnv });
  const functionStack = new Stack(app, 'FunctionStack', { env: functionEnv });
  const source = new codepipeline.Artifact('Source');
  const pipeline = new codepipeline.Pipeline(pipelineStack, 'Pipeline', {
    pipelineType: codepipeline.PipelineType.V2,
    stages: [{
      stageName: 'Source',
      actions: [new actions.S3SourceAction({ actionName: 'Source', bucket: new s3.Bucket(pipelineStack, 'SourceBucket'), bucketKey: 'k', output: source })],
    }],
    ...pipelineProps,
  });
  const step = new LambdaInvokeStep(functionStack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source], outputs: [new codepipeline.Artifact('Report')], ...stepProps(functionStack) });
  const addStep = () => pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  return { app, pipelineStack, functionStack, step, addStep };
}

describe('a step in another account', () => {
  function synth() {
    const stacks = twoStacks(OTHER_ACCOUNT, { crossAccountKeys: true });
    stacks.addStep();
    const pipelineTemplate = Template.fromStack(stacks.pipelineStack);
    const functionTemplate = Template.fromStack(stacks.functionStack);
    const action = findAction(pipelineTemplate, 'SmokeTest');
    const roleName: string = action.RoleArn['Fn::Join'][1][2].replace(/^:iam::222222222222:role\//, '');
    return { ...stacks, pipelineTemplate, functionTemplate, action, roleName };
  }

  test('runs with a role in the function\'s account, invoking the function by its generated name', () => {
    const { action, functionTemplate, roleName } = synth();
    expect(action.RoleArn).toEqual(partitionArn(`:iam::222222222222:role/${roleName}`));
    expect(action.Region).toBeUndefined();
    const functionName = functionTemplate.findResources('AWS::Lambda::Function')[stepFunctionLogicalId(functionTemplate)].Properties.FunctionName;
    expect(typeof functionName).toBe('string');
    expect(action.Configuration.FunctionName).toBe(functionName);
    functionTemplate.hasResourceProperties('AWS::IAM::Role', { RoleName: roleName });
  });

  test('the failure reporter is in the function\'s stack and account, beside it, and the pipeline\'s stack holds none', () => {
    const { functionTemplate, pipelineTemplate } = synth();
    const reporter = failureReporterLogicalId(functionTemplate);
    functionTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: stepFunctionLogicalId(functionTemplate) },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [reporter, 'Arn'] } } },
    });
    pipelineTemplate.resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('the action role trusts the pipeline\'s role, and the pipeline\'s role may assume it', () => {
    const { functionTemplate, pipelineTemplate, roleName } = synth();
    functionTemplate.hasResourceProperties('AWS::IAM::Role', {
      RoleName: roleName,
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: partitionArn(':iam::111111111111:root') },
          Condition: { ArnEquals: { 'aws:PrincipalArn': Match.anyValue() } },
        }],
      },
    });
    pipelineTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'sts:AssumeRole', Effect: 'Allow', Resource: partitionArn(`:iam::222222222222:role/${roleName}`) }]) },
    });
  });

  test('the action role\'s permissions are a policy in the function\'s stack, attached to it', () => {
    const { functionTemplate, pipelineTemplate, roleName } = synth();
    const [roleId] = namedRole(functionTemplate, roleName);
    functionTemplate.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 'lambda:ListFunctions', Effect: 'Allow', Resource: '*' },
          Match.objectLike({ Action: 'lambda:InvokeFunction' }),
        ]),
      },
    });
    // Nothing in the pipeline's account names the other account's role as one of its own.
    const pipelinePolicies = Object.values<any>(pipelineTemplate.findResources('AWS::IAM::Policy'));
    expect(pipelinePolicies.flatMap(policy => policy.Properties.Roles)).not.toContain(roleName);
  });

  test('the artifact key and bucket grant the action role what its artifacts need', () => {
    const { pipelineTemplate, roleName } = synth();
    const actionRole = { AWS: partitionArn(`:iam::222222222222:role/${roleName}`) };
    pipelineTemplate.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']), Principal: actionRole }),
          Match.objectLike({ Action: Match.arrayWith(['kms:Encrypt', 'kms:GenerateDataKey*']), Principal: actionRole }),
        ]),
      },
    });
    pipelineTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']), Principal: actionRole }),
          Match.objectLike({ Action: Match.arrayWith(['s3:PutObject']), Principal: actionRole }),
        ]),
      },
    });
  });

  test('without crossAccountKeys, synthesis fails naming the pipeline prop to set', () => {
    // aws-cdk-lib's message: new projects set @aws-cdk/aws-codepipeline:crossAccountKeysDefaultValueToFalse, which makes false the default.
    const { addStep } = twoStacks(OTHER_ACCOUNT, { crossAccountKeys: false });
    expect(addStep).toThrow(/cross-account action 'SmokeTest'.*Create Pipeline with 'crossAccountKeys: true'/);
  });

  test('an actionRole imported from another account cannot be given a policy: a warning says what to grant', () => {
    const stacks = twoStacks(OTHER_ACCOUNT, { crossAccountKeys: true }, functionStack => ({
      actionRole: iam.Role.fromRoleArn(functionStack, 'Elsewhere', 'arn:aws:iam::333333333333:role/runner'),
    }));
    stacks.addStep();
    const warnings = Annotations.fromStack(stacks.functionStack).findWarning('/FunctionStack/SmokeTest', Match.anyValue()).map(w => String(w.entry.data));
    expect(warnings).toContainEqual(expect.stringMatching(/is one CDK may not change: grant it lambda:InvokeFunction on the function, lambda:ListFunctions/));
  });
});

describe('a step in another region', () => {
  function synth() {
    const stacks = twoStacks(OTHER_REGION);
    stacks.addStep();
    return { ...stacks, pipelineTemplate: Template.fromStack(stacks.pipelineStack), functionTemplate: Template.fromStack(stacks.functionStack) };
  }

  test('runs in the function\'s region, by the function\'s generated name', () => {
    const { pipelineTemplate, functionTemplate } = synth();
    const action = findAction(pipelineTemplate, 'SmokeTest');
    expect(action.Region).toBe('eu-west-1');
    expect(action.Configuration.FunctionName).toBe(
      functionTemplate.findResources('AWS::Lambda::Function')[stepFunctionLogicalId(functionTemplate)].Properties.FunctionName);
  });

  test('the pipeline keeps an artifact bucket in that region, and may invoke the function there', () => {
    const { pipelineTemplate, functionTemplate } = synth();
    functionTemplate.resourceCountIs('AWS::S3::Bucket', 1);
    const stages = Object.values<any>(pipelineTemplate.findResources('AWS::CodePipeline::Pipeline'))[0].Properties;
    expect(stages.ArtifactStores.map((store: any) => store.Region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    pipelineTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'lambda:InvokeFunction',
          Resource: Match.arrayWith([partitionArn(Match.stringLikeRegexp('^:lambda:eu-west-1:111111111111:function:'))]),
        })]),
      },
    });
  });

  test('from a pipeline stack that names no region, synthesis fails (aws-cdk-lib\'s own check)', () => {
    const { addStep } = twoStacks(OTHER_REGION, {}, undefined, { account: '111111111111' });
    expect(addStep).toThrow(/Pipeline stack which uses cross-environment actions must have an explicitly set region/);
  });

  test('from a pipeline stack with no env at all, synthesis fails (aws-cdk-lib\'s own check)', () => {
    const { addStep } = twoStacks(OTHER_REGION, {}, undefined, {});
    expect(addStep).toThrow(/Pipeline stack which uses cross-environment actions must have an explicitly set (account|region)/);
  });

  test('a function stack that names only its region cannot be named by the action: synthesis fails (aws-cdk-lib\'s own check)', () => {
    const { addStep } = twoStacks({ region: 'eu-west-1' }, {}, undefined, PIPELINE_ENV);
    expect(addStep).toThrow(/The 'account' property must be a concrete value \(action: 'SmokeTest'\)/);
  });
});

test('in the pipeline\'s own account and region, the function keeps a CloudFormation-generated name', () => {
  const stacks = twoStacks(PIPELINE_ENV);
  stacks.addStep();
  const functionTemplate = Template.fromStack(stacks.functionStack);
  expect(functionTemplate.findResources('AWS::Lambda::Function')[stepFunctionLogicalId(functionTemplate)].Properties.FunctionName).toBeUndefined();
  expect(findAction(Template.fromStack(stacks.pipelineStack), 'SmokeTest').Region).toBeUndefined();
});
