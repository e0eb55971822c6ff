import { Annotations, Duration, aws_iam as iam, aws_lambda as lambda, aws_sqs as sqs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { errorAt } from './errors';
import { isDefinedInApp, importedQualifier } from './lambda-function';
import { explainOwnInlinePolicy } from './nag';
import { TrackedPolicy } from './tracked-policy';
import type { LambdaInvokeStepProps } from '../lambda-invoke-step';

const DEFAULT_RETRY_ATTEMPTS = 2;
const DEFAULT_MAX_EVENT_AGE = Duration.minutes(20);
const DEFAULT_FAILURE_QUEUE_RETENTION = Duration.days(14);

/** Where the step's function sends the events Lambda could not process, as the props ask. */
export interface FailureHandling {
  /** The queue the step creates; undefined when a destination was given or none is wanted. */
  readonly queue?: sqs.Queue;
  /** The asynchronous invocation config the step sets; undefined when it leaves the function's alone. */
  readonly asyncInvokeConfig?: lambda.EventInvokeConfigOptions;
}

/** Creates the default failure queue when it is wanted, and the asynchronous invocation config to set. */
export function planFailureHandling(step: Construct, props: LambdaInvokeStepProps): FailureHandling {
  const configureAsyncInvoke = props.configureAsyncInvoke ?? (props.existingFunction ? isDefinedInApp(props.existingFunction) : true);
  if (!configureAsyncInvoke) {
    return {};
  }
  const enabled = props.failureDestinationEnabled ?? true;
  const queue = enabled && !props.failureDestination ? new sqs.Queue(step, 'FailureQueue', {
    encryption: props.failureQueueEncryptionKey ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED,
    encryptionMasterKey: props.failureQueueEncryptionKey,
    enforceSSL: true,
    retentionPeriod: props.failureQueueRetentionPeriod ?? DEFAULT_FAILURE_QUEUE_RETENTION,
    deadLetterQueue: props.failureQueueDeadLetterQueue,
  }) : undefined;
  if (!enabled) {
    Annotations.of(step).addWarningV2('cdk-lambda-invoke-step:noFailureDestination',
      'failureDestinationEnabled is false: an invocation event Lambda cannot process is dropped, and with it any record of the job it carried.');
  }
  return {
    queue,
    asyncInvokeConfig: {
      onFailure: props.failureDestination
        ? new OwnPolicyDestination(step, props.failureDestination)
        : queue && new FailureQueueDestination(step, queue),
      retryAttempts: props.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
      maxEventAge: props.maxEventAge ?? DEFAULT_MAX_EVENT_AGE,
    },
  };
}

/** Sets the config on an existing function: the qualifier's own for an alias or version, a function's unqualified one otherwise. */
export function configureExistingFunction(step: Construct, fn: lambda.IFunction, failures: FailureHandling): void {
  const options = failures.asyncInvokeConfig;
  if (!options) {
    return;
  }
  if (failures.queue && !fn.role) {
    throw errorAt(step, `\`existingFunction\` (${fn.node.path}) has no role the failure queue could allow to send: import it with its \`role\` `
      + '(lambda.Function.fromFunctionAttributes), or give `failureDestination`');
  }
  if (!isDefinedInApp(fn)) {
    new lambda.EventInvokeConfig(step, 'AsyncInvokeConfig', { function: fn, qualifier: importedQualifier(fn), ...options });
    return;
  }
  const existing = fn.node.tryFindChild('EventInvokeConfig');
  if (existing) {
    throw errorAt(step, `\`existingFunction\` (${fn.node.path}) already has an asynchronous invocation config (${existing.node.path}), `
      + 'which Lambda allows once per function or qualifier: set `configureAsyncInvoke: false` to keep it, '
      + 'or remove it (and the function\'s onFailure, retryAttempts and maxEventAge) to let the step configure it');
  }
  fn.configureAsyncInvoke(options);
}

/** Whole job events, credentials included, land in the queue: nobody but the function may send to it. */
export function restrictFailureQueue(queue: sqs.IQueue, functionRole: iam.IRole | undefined): void {
  if (!functionRole) {
    return;
  }
  queue.addToResourcePolicy(new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['sqs:SendMessage'],
    resources: [queue.queueArn],
    conditions: { ArnNotEquals: { 'aws:PrincipalArn': functionRole.roleArn } },
  }));
}

/**
 * The step's own failure queue as a function's on-failure destination. aws-cdk-lib's
 * SqsDestination would grant sending in the role's default policy, where a user's statements go
 * too; this one writes the grant into a policy of the step's own (`FailureQueuePolicy`), which
 * the asynchronous invocation config waits for, as Lambda checks the permission when it is created.
 */
class FailureQueueDestination implements lambda.IDestination {
  /** The policy holding the send permission, once bound; undefined when the function's role takes no policy. */
  private policy?: TrackedPolicy;

  constructor(private readonly owner: Construct, private readonly queue: sqs.IQueue) {}

  public bind(scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    if (!this.policy) {
      const policy = new TrackedPolicy(this.owner, 'FailureQueuePolicy', { statements: this.sendStatements() });
      fn.role?.attachInlinePolicy(policy);
      if (policy.isAttachedToRole) {
        this.policy = policy;
        explainOwnInlinePolicy(policy.node.defaultChild, 'the permission to send failed asynchronous events to the step\'s failure queue');
      }
    }
    if (this.policy) {
      scope.node.addDependency(this.policy);
    }
    return { destination: this.queue.queueArn };
  }

  /**
   * What sending needs: SQS's three actions, as `queue.grantSendMessages` grants them, and for a queue
   * with a KMS key the data key SQS makes and reads for each message on the sender's behalf.
   */
  private sendStatements(): iam.PolicyStatement[] {
    const key = this.queue.encryptionMasterKey;
    return [
      new iam.PolicyStatement({ actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], resources: [this.queue.queueArn] }),
      ...key ? [new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] })] : [],
    ];
  }
}

/**
 * A destination the user gave, bound so that what it grants the function (sending to a queue,
 * publishing to a topic, invoking a function, ...) lands in a policy of the step's own,
 * `FailureDestinationPolicy`, rather than in the role's default policy, where the user's own
 * statements go. cdk-nag's explanation of that inline policy then covers only what delivery needs.
 * A role CDK may not change (imported, immutable) is left to aws-cdk-lib's own handling.
 */
class OwnPolicyDestination implements lambda.IDestination {
  constructor(private readonly owner: Construct, private readonly destination: lambda.IDestination) {}

  public bind(scope: Construct, fn: lambda.IFunction, options?: lambda.DestinationOptions): lambda.DestinationConfig {
    if (!(fn.role instanceof iam.Role)) {
      return this.destination.bind(scope, fn, options);
    }
    const policy = new TrackedPolicy(this.owner, 'FailureDestinationPolicy');
    const principal = new OwnPolicyPrincipal(fn.role, policy);
    // The function as the destination sees it: the same in every way but who takes the grants.
    const granting: lambda.IFunction = Object.create(fn, { grantPrincipal: { value: principal } });
    const config = this.destination.bind(scope, granting, options);
    if (policy.isAttachedToRole) {
      scope.node.addDependency(policy);
      explainOwnInlinePolicy(policy.node.defaultChild, 'the permissions the function needs to deliver failed asynchronous events to the given destination');
    }
    return config;
  }
}

/** The function's role, except that statements given to it go into `policy`, attached to the role on the first one. */
class OwnPolicyPrincipal implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly assumeRoleAction: string;
  public readonly policyFragment: iam.PrincipalPolicyFragment;
  public readonly principalAccount?: string;

  constructor(private readonly role: iam.Role, private readonly policy: TrackedPolicy) {
    this.assumeRoleAction = role.assumeRoleAction;
    this.policyFragment = role.policyFragment;
    this.principalAccount = role.principalAccount;
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    if (!this.policy.isAttachedToRole) {
      this.role.attachInlinePolicy(this.policy);
    }
    return { statementAdded: true, policyDependable: this.policy };
  }
}
