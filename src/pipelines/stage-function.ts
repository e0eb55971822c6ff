import { Aws, Names, Stack, Stage, Token, aws_iam as iam, aws_lambda as lambda, pipelines } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { placementsOf } from './placements';
import { errorAt } from '../private/errors';
import { environmentHolder, invokedName, isDefinedInApp, withQualifier } from '../private/lambda-function';

/**
 * What the pipeline's stack needs to reach a function defined in a stage the pipeline deploys: the
 * function's ARN, known as text (a stage is another cloud assembly, so no reference crosses to it),
 * and for a stage in another account, the role there that runs the action.
 */
export interface StageFunctionReference {
  /** The stack, inside the stage, that holds the function. */
  readonly functionStack: Stack;
  /** The function's name (with its alias), without partition, account or region. */
  readonly qualifiedName: string;
  /** The role in the stage's account that runs the action, when that account is not the pipeline's. */
  readonly actionRoleArn?: string;
}

/** Whether `construct` is in a stage of its own, apart from the app's top level where pipelines live. */
export function isInNestedStage(construct: IConstruct): boolean {
  const stage = Stage.of(construct);
  return stage !== undefined && stage !== construct.node.root;
}

/**
 * Prepares, inside the stage's stack, what lets the pipeline's action invoke `fn`: a fixed function
 * name, and in another account a role the pipeline's account may assume. Runs when the
 * LambdaInvokePipelinesStep is made, because CDK Pipelines synthesizes a stage as soon as it is added.
 */
export function prepareStageFunction(owner: Construct, subject: string, fn: lambda.IFunction, nameable: boolean): StageFunctionReference {
  const prepared = preparedFor.get(owner);
  if (prepared) {
    return prepared;
  }
  const reference = prepare(owner, subject, fn, nameable);
  preparedFor.set(owner, reference);
  return reference;
}

/** One preparation per LambdaInvokeStep, however many LambdaInvokePipelinesSteps use it. */
const preparedFor = new WeakMap<IConstruct, StageFunctionReference>();

function prepare(owner: Construct, subject: string, fn: lambda.IFunction, nameable: boolean): StageFunctionReference {
  const functionStack = Stack.of(owner);
  const addedIn = [...new Set(deploymentsOf(functionStack).map(({ pipeline }) => pipeline.node.path))];
  if (addedIn.length > 0) {
    throw errorAt(owner, `${subject}stage ${Stage.of(functionStack)!.node.path} was already added to ${addedIn.join(', ')}, which synthesized it without the name `
      + 'and role this step needs in it: make the LambdaInvokePipelinesStep before `addStage()`, and pass it in `post`');
  }
  const qualifiedName = fixedFunctionName(owner, subject, fn, nameable);
  const pipelineAccount = onlyPipelineAccount(owner, subject);
  const crossAccount = !Token.isUnresolved(functionStack.account) && pipelineAccount !== undefined && functionStack.account !== pipelineAccount;
  if (!crossAccount) {
    return { functionStack, qualifiedName };
  }
  const roleName = `${Names.uniqueResourceName(owner, { maxLength: 57 })}-action`;
  const role = new iam.Role(owner, 'PipelineActionRole', {
    roleName,
    assumedBy: new iam.AccountPrincipal(pipelineAccount),
    description: `Runs the CodePipeline action that invokes ${fn.node.path}, for the pipeline in account ${pipelineAccount}`,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:ListFunctions'], resources: ['*'] }));
  fn.grantInvoke(role);
  // The pipeline's artifact buckets (one per region) and their keys are in the pipeline's account;
  // their names are not known here, so the grant is scoped to that account, as CDK's bootstrap roles do.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:PutObject', 's3:Abort*'],
    resources: ['*'],
    conditions: { StringEquals: { 's3:ResourceAccount': pipelineAccount } },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
    resources: [`arn:${Aws.PARTITION}:kms:*:${pipelineAccount}:key/*`],
    conditions: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } },
  }));
  return {
    functionStack,
    qualifiedName,
    actionRoleArn: `arn:${Aws.PARTITION}:iam::${functionStack.account}:role/${roleName}`,
  };
}

/** The function's ARN, as the pipeline's stack writes it. */
export function stageFunctionArn(reference: StageFunctionReference, pipelineStack: Stack): string {
  const { account, region } = reference.functionStack;
  // An environment-agnostic stage deploys to the pipeline's own account and region.
  const arnAccount = Token.isUnresolved(account) ? pipelineStack.account : account;
  const arnRegion = Token.isUnresolved(region) ? pipelineStack.region : region;
  return `arn:${Aws.PARTITION}:lambda:${arnRegion}:${arnAccount}:function:${reference.qualifiedName}`;
}

/** Whether `step` is in the `post` of the CDK Pipelines stage that deploys `stack`, and nowhere else. */
export function placedAfterItsStage(step: pipelines.Step, stack: Stack): { placedRight: boolean; places: string[] } {
  const places = placementsOf(step, stack.node.root);
  const placedRight = places.length === 1 && deploymentsOf(stack).some(({ stage }) => stage.post.includes(step));
  return { placedRight, places };
}

/** The CDK Pipelines stages that deploy `stack`, with their pipelines. */
function deploymentsOf(stack: Stack): Array<{ pipeline: pipelines.PipelineBase; stage: pipelines.StageDeployment }> {
  return stack.node.root.node.findAll().filter(pipelines.PipelineBase.isPipeline)
    .flatMap(pipeline => pipeline.waves.flatMap(wave => wave.stages).map(stage => ({ pipeline, stage })))
    .filter(({ stage }) => stage.stacks.some(deployment => deployment.stackArtifactId === stack.artifactId));
}

/**
 * The function's name fixed at synthesis: the name and qualifier the pipeline's action uses.
 * `nameable`: the function is the construct's own and has no name from the user, so one is given.
 */
function fixedFunctionName(owner: Construct, subject: string, fn: lambda.IFunction, nameable: boolean): string {
  if (!isDefinedInApp(fn)) {
    if (Token.isUnresolved(fn.functionArn)) {
      throw errorAt(owner, `${subject}the imported function's ARN must be known at synthesis for the pipeline to name it, got ${fn.functionArn}`);
    }
    return invokedName(fn);
  }
  const { base, qualifier } = unqualified(owner, subject, fn);
  const cfn = base.node.defaultChild as lambda.CfnFunction;
  if (nameable) {
    // Only for the function the construct made: a name CloudFormation would otherwise generate.
    cfn.functionName = Names.uniqueResourceName(base, { maxLength: 64 });
  }
  const name = cfn.functionName;
  if (name === undefined || Token.isUnresolved(name)) {
    throw errorAt(owner, `${subject}the function ${base.node.path} has no \`functionName\` known at synthesis, which the pipeline's action needs to name it `
      + 'from outside the stage: give it one');
  }
  return withQualifier(name, qualifier);
}

/** The function behind `fn` and the alias it is invoked through; a version's number is known only at deploy time. */
function unqualified(owner: Construct, subject: string, fn: lambda.IFunction): { base: lambda.Function; qualifier?: string } {
  const base = environmentHolder(fn);
  if (!base || fn instanceof lambda.Version) {
    throw errorAt(owner, `${subject}${fn.node.path} is a version or wraps a function the step cannot name from outside the stage: use an alias of a lambda.Function`);
  }
  return { base, qualifier: fn instanceof lambda.Alias ? fn.aliasName : undefined };
}

/** The account of the app's CDK Pipelines: the account a stage's action role must trust. */
function onlyPipelineAccount(owner: IConstruct, subject: string): string | undefined {
  const accounts = [...new Set(owner.node.root.node.findAll().filter(pipelines.PipelineBase.isPipeline).map(pipeline => Stack.of(pipeline).account))];
  if (accounts.length === 0) {
    throw errorAt(owner, `${subject}no CDK Pipelines pipeline exists yet: make the pipeline before the LambdaInvokePipelinesStep of a function inside a stage, `
      + 'so the step knows which account its action comes from');
  }
  if (accounts.length > 1) {
    throw errorAt(owner, `${subject}the app holds CDK Pipelines in ${accounts.length} accounts (${accounts.join(', ')}): a function inside a stage can be `
      + 'the step of pipelines of one account only');
  }
  return Token.isUnresolved(accounts[0]) ? undefined : accounts[0];
}
