import {
  Annotations,
  Names,
  Stack,
  aws_codepipeline as codepipeline,
  aws_iam as iam,
  aws_lambda as lambda,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { errorAt } from './errors';
import { explainActionRolePolicy } from './nag';
import { TrackedPolicy } from './tracked-policy';
import type { UserParametersProps } from './user-parameters';
import { LIMITS } from '../common/limits';

/**
 * An action of a LambdaInvokeStep, resolved: what a plain pipeline and CDK Pipelines both build
 * the action from. The construct resolves it once from its props; CDK Pipelines replaces only
 * what it decides (name, run order, artifacts, namespace, and the function as its stack sees it).
 */
export interface StepActionDescription {
  readonly actionName: string;
  readonly runOrder?: number;
  readonly inputs?: codepipeline.Artifact[];
  readonly outputs?: codepipeline.Artifact[];
  readonly variablesNamespace?: string;
  /** The function, as the stack of the action's pipeline sees it. */
  readonly lambdaFunction: lambda.IFunction;
  /** The action's FunctionName: the function's name, with the qualifier an imported ARN carries. */
  readonly functionName: string;
  /** The role that runs the action; undefined: the pipeline makes one. */
  readonly role?: iam.IRole;
  /** The role's permissions are granted where it is made: do not warn that it takes no policy. */
  readonly roleGrantedElsewhere?: boolean;
  /** The action's UserParameters as CodePipeline receives them; undefined: none. */
  readonly userParameters?: string;
  /** The user parameters as given, before rendering: CDK Pipelines finds the other steps' outputs they read in them. */
  readonly userParametersGiven?: UserParametersProps;
}

/**
 * The CodePipeline action that invokes a step's function (CodePipeline's Lambda invoke action).
 * When bound to a pipeline it writes the permissions of the role that runs it into a policy of
 * the step's own (`LambdaInvokeStepPolicy`), never into a default policy a user's statements
 * share: cdk-nag suppresses per resource, so the explanations on that policy cover exactly these
 * statements. It refuses a second action of the same step with the same namespace in one pipeline.
 */
export class StepAction extends codepipeline.Action {
  /** Namespaces taken by actions of each step, per pipeline: namespace → the action's path. */
  private static readonly namespaces = new WeakMap<codepipeline.IPipeline, Map<string, string>>();

  protected readonly providedActionProperties: codepipeline.ActionProperties;

  /** @param owner the LambdaInvokeStep, which errors and warnings name */
  constructor(private readonly owner: IConstruct, private readonly description: StepActionDescription) {
    super();
    this.providedActionProperties = {
      actionName: description.actionName,
      runOrder: description.runOrder,
      inputs: description.inputs,
      outputs: description.outputs,
      variablesNamespace: description.variablesNamespace,
      role: description.role,
      // The pipeline places the role it makes for the action in the function's account and region.
      resource: description.lambdaFunction,
      category: codepipeline.ActionCategory.INVOKE,
      provider: 'Lambda',
      artifactBounds: {
        minInputs: LIMITS.artifacts.min,
        maxInputs: LIMITS.artifacts.max,
        minOutputs: LIMITS.artifacts.min,
        maxOutputs: LIMITS.artifacts.max,
      },
    };
  }

  /** Whether the action reads or writes artifacts, so that its role needs the artifact bucket and its function S3. */
  public get usesArtifacts(): boolean {
    return !!(this.actionProperties.inputs?.length || this.actionProperties.outputs?.length);
  }

  /** The expression that reads one of the action's output variables, such as `#{SmokeTest.REPORT_URL}`. */
  public variable(name: string): string {
    return this.variableExpression(name);
  }

  protected bound(scope: Construct, stage: codepipeline.IStage, options: codepipeline.ActionBindOptions): codepipeline.ActionConfig {
    this.claimNamespace(scope, stage.pipeline);
    const policy = ActionRolePolicy.beside(options.role, scope);
    if (!policy.isAttachedToRole && !this.description.roleGrantedElsewhere) {
      Annotations.of(this.owner).addWarningV2('cdk-lambda-invoke-step:cannotGrantAction',
        `The role that runs action ${scope.node.path} (${options.role.node.path}) is one CDK may not change: grant it lambda:InvokeFunction on the function, `
        + 'lambda:ListFunctions (resource *), and access to the pipeline\'s artifacts yourself.');
    }
    // The pipeline may start an execution as soon as it exists: let it wait for the permissions.
    stage.pipeline.node.defaultChild?.node.addDependency(policy);

    // CodePipeline lists functions before invoking one; the API has no resource narrower than '*'.
    policy.addStatements(new iam.PolicyStatement({ actions: ['lambda:ListFunctions'], resources: ['*'] }));
    // Through the function's own grant: for a role in another account it also adds the function's resource policy.
    this.description.lambdaFunction.grantInvoke(policy);
    if (this.actionProperties.inputs?.length) {
      options.bucket.grantRead(policy);
    }
    if (this.actionProperties.outputs?.length) {
      options.bucket.grantWrite(policy);
    }
    explainActionRolePolicy(policy, `${this.description.lambdaFunction.functionArn}:*`, this.usesArtifacts ? options.bucket.arnForObjects('*') : undefined);

    return {
      configuration: {
        FunctionName: this.description.functionName,
        UserParameters: this.description.userParameters,
      },
    };
  }

  /** CodePipeline rejects a pipeline in which two actions share a namespace. */
  private claimNamespace(scope: Construct, pipeline: codepipeline.IPipeline) {
    const namespace = this.actionProperties.variablesNamespace;
    if (namespace === undefined) {
      return;
    }
    const taken = StepAction.namespaces.get(pipeline) ?? new Map<string, string>();
    StepAction.namespaces.set(pipeline, taken);
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
 * The step's policy for the role that runs an action, as the principal the action's grants are
 * given to: what a grant gives the principal is written into this policy, and what it writes into
 * a resource policy (the artifact bucket's or key's, in another account) names the role.
 */
class ActionRolePolicy extends TrackedPolicy implements iam.IPrincipal {
  /**
   * The policy in the role's own stack: for an action in another account, the pipeline creates the
   * role in the function's stack, and a policy in the pipeline's stack would attach to a role name
   * of the wrong account.
   */
  public static beside(role: iam.IRole, actionScope: Construct): ActionRolePolicy {
    const roleStack = Stack.of(role);
    const policy = roleStack === Stack.of(actionScope)
      ? new ActionRolePolicy(actionScope, 'LambdaInvokeStepPolicy', role)
      : new ActionRolePolicy(roleStack, `${Names.uniqueId(actionScope)}LambdaInvokeStepPolicy`, role);
    role.attachInlinePolicy(policy);
    return policy;
  }

  public readonly grantPrincipal: iam.IPrincipal = this;

  private constructor(scope: Construct, id: string, private readonly role: iam.IRole) {
    super(scope, id);
  }

  public get assumeRoleAction(): string {
    return this.role.assumeRoleAction;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  public get principalAccount(): string | undefined {
    return this.role.principalAccount;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.addStatements(statement);
    return { statementAdded: true, policyDependable: this };
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }
}
