import {
  Annotations,
  Names,
  Stack,
  aws_codepipeline as codepipeline,
  aws_codepipeline_actions as codepipeline_actions,
  aws_iam as iam,
  aws_lambda as lambda,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { explainOwnInlinePolicy, nagResourceName, suppressNagFindings } from './nag';
import { TrackedPolicy } from './step-function';
import { errorAt } from './validation';

/** What an action needs of the LambdaInvokeStep it belongs to. */
export interface StepActionOwner extends IConstruct {
  /** The policy holding the statements the step adds to its function's role; undefined when the role takes none. */
  readonly jobResultPolicy?: iam.Policy;
}

/** The function an action invokes as the pipeline's stack sees it, when that is not the step's own construct. */
export interface StepActionTarget {
  readonly lambdaFunction: lambda.IFunction;
  /** The role its stage's stack made for the action, with the permissions the action needs. */
  readonly role?: iam.IRole;
  /** The name the action invokes, when the function's own is a token of the wrong stack. */
  readonly functionName?: string;
}

export interface StepActionOptions {
  /** The role's own permissions are granted elsewhere: do not warn that it takes no policy. */
  readonly roleGrantedElsewhere?: boolean;
  /** The function is the step's own, seen from another stage: its role's policy was complete before that stage was synthesized. */
  readonly functionSeenFromAnotherStage?: boolean;
  /** The name the action invokes, instead of the function's. */
  readonly functionName?: string;
}

/**
 * A `LambdaInvokeAction` whose IAM statements land in policies of the step's own, never in the
 * default policy of a role the user may also use: cdk-nag suppresses per resource, so the
 * explanations written on those policies cover exactly the statements the action added. It also
 * refuses a second action of the same step with the same namespace in one pipeline.
 */
export class StepLambdaInvokeAction extends codepipeline_actions.LambdaInvokeAction {
  /** Namespaces taken by actions of each step, per pipeline: namespace → the action's path. */
  private static readonly namespaces = new WeakMap<codepipeline.IPipeline, Map<string, string>>();

  private readonly owner: StepActionOwner;
  private readonly stepFunction: lambda.IFunction;

  constructor(owner: StepActionOwner, props: codepipeline_actions.LambdaInvokeActionProps, private readonly options: StepActionOptions = {}) {
    // LambdaInvokeAction grants PutJob*Result on the function's role when bound: send it to the step's policy.
    const jobResultPolicy = options.functionSeenFromAnotherStage ? undefined : owner.jobResultPolicy;
    super({ ...props, lambda: invokedFunction(props.lambda, jobResultPolicy, options.functionName) });
    this.owner = owner;
    this.stepFunction = props.lambda;
  }

  protected bound(scope: Construct, stage: codepipeline.IStage, options: codepipeline.ActionBindOptions): codepipeline.ActionConfig {
    this.claimNamespace(scope, stage.pipeline);
    const policy = policyBeside(options.role, scope);
    options.role.attachInlinePolicy(policy);
    if (!policy.isAttachedToRole && !this.options.roleGrantedElsewhere) {
      Annotations.of(this.owner).addWarningV2('cdk-lambda-invoke-step:cannotGrantAction',
        `The role that runs action ${scope.node.path} (${options.role.node.path}) is one CDK may not change: grant it lambda:InvokeFunction on the function, `
        + 'lambda:ListFunctions (resource *), and access to the pipeline\'s artifacts yourself.');
    }
    // The pipeline may start an execution as soon as it exists: let it wait for the permissions.
    stage.pipeline.node.defaultChild?.node.addDependency(policy);
    const config = super.bound(scope, stage, { ...options, role: roleWithStatementsIn(options.role, policy) });
    const hasArtifacts = this.actionProperties.inputs?.length || this.actionProperties.outputs?.length;
    suppressNagFindings(policy.node.defaultChild, [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'lambda:ListFunctions has no resource-level permissions, so CodePipeline\'s invoke action needs it on *; '
          + 'lambda:InvokeFunction on <function>:* (its versions and aliases) is how aws-cdk-lib grants invoking the step\'s function.',
        applies_to: ['Resource::*', `Resource::${nagResourceName(policy, `${this.stepFunction.functionArn}:*`)}`],
      },
      ...(hasArtifacts ? [{
        id: 'AwsSolutions-IAM5',
        reason: 'aws-cdk-lib\'s LambdaInvokeAction grants the role running the action read and write on the pipeline\'s artifact bucket '
          + '(and its key) for the action\'s artifacts; the wildcards are scoped to that bucket.',
        applies_to: [
          'Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', 'Action::s3:DeleteObject*', 'Action::s3:Abort*',
          'Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*', `Resource::${nagResourceName(policy, options.bucket.arnForObjects('*'))}`,
        ],
      }] : []),
    ]);
    explainOwnInlinePolicy(policy.node.defaultChild, 'the permissions the role running the action needs to invoke the step\'s function and pass it the artifacts');
    return config;
  }

  /** CodePipeline rejects a pipeline in which two actions share a namespace. */
  private claimNamespace(scope: Construct, pipeline: codepipeline.IPipeline) {
    const namespace = this.actionProperties.variablesNamespace;
    if (namespace === undefined) {
      return;
    }
    const taken = StepLambdaInvokeAction.namespaces.get(pipeline) ?? new Map<string, string>();
    StepLambdaInvokeAction.namespaces.set(pipeline, taken);
    const other = taken.get(namespace);
    if (other !== undefined) {
      throw errorAt(this.owner, `\`variablesNamespace\` '${namespace}' would name the variables of two actions of pipeline ${pipeline.node.path} `
        + `(${other} and ${scope.node.path}), which CodePipeline rejects: a namespace must be unique in a pipeline. `
        + 'Give each place a LambdaInvokeStep of its own, or in CDK Pipelines remove `variablesNamespace` and read variables with LambdaInvokePipelinesStep.variable()');
    }
    taken.set(namespace, scope.node.path);
  }
}

/**
 * `fn` as the action sees it: statements added to its role go to `policy` (dropped when the role
 * takes no policy, as the role itself would), and it has `functionName` when one is given.
 */
function invokedFunction(fn: lambda.IFunction, policy: iam.Policy | undefined, functionName: string | undefined): lambda.IFunction {
  return Object.create(fn, {
    addToRolePolicy: { value: (statement: iam.PolicyStatement) => policy?.addStatements(statement) },
    ...(functionName && { functionName: { value: functionName } }),
  });
}

/**
 * The policy for the statements the action adds to `role`, in the role's own stack: for an action in
 * another account, aws-cdk-lib creates the role in the function's stack, and a policy in the
 * pipeline's stack would attach to a role name of the wrong account.
 */
function policyBeside(role: iam.IRole, actionScope: Construct): TrackedPolicy {
  const roleStack = Stack.of(role);
  if (roleStack === Stack.of(actionScope)) {
    return new TrackedPolicy(actionScope, 'LambdaInvokeStepPolicy');
  }
  return new TrackedPolicy(roleStack, `${Names.uniqueId(actionScope)}LambdaInvokeStepPolicy`);
}

/** `role`, except that statements added to it, directly or by grants, go to `policy`. */
function roleWithStatementsIn(role: iam.IRole, policy: iam.Policy): iam.IRole {
  const routed: iam.IRole = Object.create(role, {
    addToPrincipalPolicy: {
      value: (statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult => {
        policy.addStatements(statement);
        return { statementAdded: true, policyDependable: policy };
      },
    },
    addToPolicy: { value: (statement: iam.PolicyStatement) => routed.addToPrincipalPolicy(statement).statementAdded },
  });
  // Grants add to `grantee.grantPrincipal`, which a Role sets to itself.
  Object.defineProperty(routed, 'grantPrincipal', { value: routed });
  return routed;
}
