import { Annotations, Duration, aws_iam as iam, aws_lambda as lambda, aws_sqs as sqs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { errorAt } from './errors';
import { createFailureReporter } from './failure-reporter';
import { isDefinedInApp, importedQualifier } from './lambda-function';
import { explainOwnInlinePolicy } from './nag';
import { configuresAsyncInvoke, failureDestinationEnabled } from './step-defaults';
import { TrackedPolicy } from './tracked-policy';
import type { LambdaInvokeStepProps } from '../lambda-invoke-step-props';

/**
 * Lambda's retries of a step whose crashes the reporter reports: none. A crash that happens once
 * (a bug, an init error, running out of memory or time) most often happens again, and each retry
 * delays the report by the attempt's duration plus Lambda's wait (1 minute before the first retry,
 * 2 before the second): with the 5 minute timeout, two retries of a timeout take 18 of the action's
 * 20 minutes. Throttling is retried by Lambda whatever this is.
 */
const DEFAULT_RETRY_ATTEMPTS_WITH_REPORTER = 0;
/** Lambda's own default, kept when nothing reports a crash: a retry is then the only other chance to report. */
const DEFAULT_RETRY_ATTEMPTS_WITHOUT_REPORTER = 2;
const DEFAULT_MAX_EVENT_AGE = Duration.minutes(20);
const DEFAULT_FAILURE_QUEUE_RETENTION = Duration.days(14);

/** Where the step's function sends the events Lambda could not process, as the props ask. */
export interface FailureHandling {
  /** The queue the step creates; undefined when a destination was given or none is wanted. */
  readonly queue?: sqs.Queue;
  /** The function that fails the job of an invocation that failed for good; undefined when the step does not configure asynchronous invocation, or it is turned off. */
  readonly reporter?: lambda.Function;
  /** The asynchronous invocation config the step sets; undefined when it leaves the function's alone. */
  readonly asyncInvokeConfig?: lambda.EventInvokeConfigOptions;
}

/**
 * Creates the failure reporter and the default failure queue when they are wanted, and the
 * asynchronous invocation config to set: the function's failed events go to the reporter, and
 * what the reporter could not report goes on to the queue (or the given destination).
 */
export function planFailureHandling(step: Construct, props: LambdaInvokeStepProps): FailureHandling {
  if (!configuresAsyncInvoke(props)) {
    Annotations.of(step).addWarningV2('cdk-lambda-invoke-step:failuresNotReported',
      `The step leaves the asynchronous invocation config of ${props.existingFunction?.node.path} alone, so it has no failure reporter: `
      + 'an invocation that fails without reporting (an error, a crash, a timeout) leaves the action waiting 20 minutes for a result. '
      + 'Set `configureAsyncInvoke: true` to let the step set it, or make the function\'s own on-failure destination report.');
    return {};
  }
  const enabled = failureDestinationEnabled(props);
  const queue = enabled && !props.failureDestination ? new sqs.Queue(step, 'FailureQueue', {
    encryption: props.failureQueueEncryptionKey ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED,
    encryptionMasterKey: props.failureQueueEncryptionKey,
    enforceSSL: true,
    retentionPeriod: props.failureQueueRetentionPeriod ?? DEFAULT_FAILURE_QUEUE_RETENTION,
    deadLetterQueue: props.failureQueueDeadLetterQueue,
  }) : undefined;
  if (!enabled) {
    Annotations.of(step).addWarningV2('cdk-lambda-invoke-step:noFailureDestination',
      'failureDestinationEnabled is false: an invocation event that nothing could report is dropped, and with it any record of the job it carried.');
  }
  const keptIn = props.failureDestination
    ? new OwnPolicyDestination(step, props.failureDestination)
    : queue && new OwnGrantDestination(step, 'FailureQueuePolicy', queue.queueArn, queueSendStatements(queue),
      'the permission to send failed asynchronous events to the step\'s failure queue', `the step's failure queue (${queue.node.path})`);
  const reporter = props.failureReporterEnabled ?? true ? createFailureReporter(step, keptIn) : undefined;
  return {
    queue,
    reporter,
    asyncInvokeConfig: {
      onFailure: reporter
        ? new OwnGrantDestination(step, 'InvokeFailureReporterPolicy', reporter.functionArn,
          [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [reporter.functionArn] })],
          'the permission to hand failed asynchronous events to the step\'s failure reporter', `the step's failure reporter (${reporter.node.path})`)
        : keptIn,
      retryAttempts: props.retryAttempts ?? (reporter ? DEFAULT_RETRY_ATTEMPTS_WITH_REPORTER : DEFAULT_RETRY_ATTEMPTS_WITHOUT_REPORTER),
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
  if ((failures.queue || failures.reporter) && !fn.role) {
    throw errorAt(step, `\`existingFunction\` (${fn.node.path}) has no role the step could allow to hand its failed events to the step's `
      + `${failures.reporter ? 'failure reporter' : 'failure queue'}: import it with its \`role\` (lambda.Function.fromFunctionAttributes), `
      + `or ${failures.reporter ? 'set `failureReporterEnabled: false` and ' : ''}give \`failureDestination\``);
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

/** Whole job events, credentials included, land in the queue: nobody but its sender (the reporter, or the function without one) may send to it. */
export function restrictFailureQueue(queue: sqs.IQueue, senderRole: iam.IRole | undefined): void {
  if (!senderRole) {
    return;
  }
  queue.addToResourcePolicy(new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['sqs:SendMessage'],
    resources: [queue.queueArn],
    conditions: { ArnNotEquals: { 'aws:PrincipalArn': senderRole.roleArn } },
  }));
}

/**
 * A destination of the step's own (its failure queue, its failure reporter) whose permission goes into
 * a policy of the step's own on the sending function's role, rather than the role's default policy,
 * where a user's statements go too. aws-cdk-lib's destinations grant there. The asynchronous invocation
 * config waits for the policy, as Lambda checks the permission when the config is created.
 */
class OwnGrantDestination implements lambda.IDestination {
  /** The policy holding the permission, once bound; undefined when the sender's role takes no policy. */
  private policy?: TrackedPolicy;
  private bound = false;

  /** `what` names the destination, such as `the step's failure reporter (<path>)`. */
  constructor(
    private readonly owner: Construct, private readonly policyId: string, private readonly arn: string,
    private readonly statements: iam.PolicyStatement[], private readonly holds: string, private readonly what: string,
  ) {}

  public bind(scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    if (!this.bound) {
      this.bound = true;
      const policy = new TrackedPolicy(this.owner, this.policyId, { statements: this.statements });
      fn.role?.attachInlinePolicy(policy);
      if (policy.isAttachedToRole) {
        this.policy = policy;
        explainOwnInlinePolicy(policy.node.defaultChild, this.holds);
      } else if (fn.role) {
        const actions = this.statements.flatMap(statement => statement.actions).join(', ');
        Annotations.of(this.owner).addWarningV2(`cdk-lambda-invoke-step:cannotGrant:${this.policyId}`,
          `The function ${fn.node.path} has a role CDK may not change (${fn.role.node.path}): grant it ${actions} on ${this.what} yourself, `
          + 'or Lambda cannot hand it the function\'s failed events.');
      }
    }
    if (this.policy) {
      scope.node.addDependency(this.policy);
    }
    return { destination: this.arn };
  }
}

/**
 * What sending to a queue needs: SQS's three actions, as `queue.grantSendMessages` grants them, and for
 * a queue with a KMS key the data key SQS makes and reads for each message on the sender's behalf.
 */
function queueSendStatements(queue: sqs.IQueue): iam.PolicyStatement[] {
  const key = queue.encryptionMasterKey;
  return [
    new iam.PolicyStatement({ actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], resources: [queue.queueArn] }),
    ...key ? [new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] })] : [],
  ];
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
