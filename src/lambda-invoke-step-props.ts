import {
  Duration,
  aws_codepipeline as codepipeline,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_lambda_nodejs as nodejs,
  aws_sqs as sqs,
} from 'aws-cdk-lib';

/**
 * Properties of a `LambdaInvokeStep`.
 */
export interface LambdaInvokeStepProps {
  /**
   * Path to the file that holds the function's code (`.ts`, `.js`, `.mjs`, `.cjs`, `.mts`, `.cts`, `.tsx`, `.jsx`).
   * It is bundled by `NodejsFunction` with esbuild and must export the handler (by default named `handler`).
   * A relative path is resolved from the working directory `cdk synth` runs in: build it from the
   * defining file's directory instead, `path.join(__dirname, 'smoke-test.ts')`.
   *
   * Exactly one of `entry` and `existingFunction` must be set.
   *
   * @default - none: `existingFunction` is set instead
   */
  readonly entry?: string;

  /**
   * A function to run as the step instead of one bundled from `entry`: any runtime or language,
   * a container image, an alias or a version, or a function imported by ARN (an ARN with a
   * qualifier invokes that alias or version).
   *
   * What the construct wires depends on what CDK may change. The function's role gets
   * `codepipeline:PutJobSuccessResult` and `codepipeline:PutJobFailureResult` when it is a role
   * CDK can add to; otherwise a synth warning says to grant them yourself. Declared
   * `outputVariables` reach the code through the environment of a `Function` this app defines
   * (directly or behind an alias or version); otherwise a warning says to set the variable.
   *
   * Exactly one of `entry` and `existingFunction` must be set.
   *
   * @default - none: `entry` is set instead
   */
  readonly existingFunction?: lambda.IFunction;

  /**
   * Whether the construct sets the function's asynchronous invocation config: the failure reporter
   * (or `failureDestination`) as its on-failure destination, `retryAttempts` and `maxEventAge`. For an
   * alias or version, the config is the qualifier's own. Without it, no failure reporter is made, and a
   * crash leaves the action waiting 20 minutes for a result (the step warns).
   *
   * For an imported function, `true` creates an `AWS::Lambda::EventInvokeConfig` that replaces
   * whatever asynchronous invocation config the function (or its qualifier) has, and deleting the
   * stack deletes it. Only for `existingFunction`.
   *
   * @default - true for `entry` and for a function, alias or version this app defines; false for an imported function
   * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html
   */
  readonly configureAsyncInvoke?: boolean;

  /**
   * Settings passed through to the `NodejsFunction` made from `entry` (not allowed with `existingFunction`).
   *
   * The construct owns `entry` and `code` (use `entry`), and the asynchronous invocation settings
   * `onFailure`, `retryAttempts` and `maxEventAge` (use `failureDestination`, `retryAttempts` and
   * `maxEventAge`): setting any of them here throws. `environment` is merged with the variable the
   * construct adds for declared output variables. `runtime`, `timeout` and `memorySize` have their own
   * defaults that a value here replaces; every other setting keeps NodejsFunction's default. The memory
   * is 1,769 MB (one vCPU) for a step with input or output artifacts and 512 MB for one without, where
   * the runtime's work costs least in GB-seconds (docs/performance.md, "Memory and cost"). The default runtime
   * is the newest Node.js runtime the installed aws-cdk-lib names (`nodejs24.x` in 2.224 to 2.277,
   * `nodejs26.x` from 2.278), so upgrading aws-cdk-lib can move the function to a newer runtime:
   * set `runtime` to keep one.
   *
   * @default - the newest Node.js runtime the installed aws-cdk-lib names, 5 minute timeout, 1,769 MB with artifacts and 512 MB without, NodejsFunction defaults otherwise
   */
  readonly functionProps?: nodejs.NodejsFunctionProps;

  /**
   * The action's name in its stage: `[A-Za-z0-9.@-_]{1,100}`.
   *
   * @default - the construct's id
   * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html
   */
  readonly actionName?: string;

  /**
   * The action's run order in its stage (1 to 999).
   *
   * @default 1
   */
  readonly runOrder?: number;

  /**
   * The artifacts the function reads: 0 to 5. Inside the function each is found by its artifact name.
   *
   * @default - no input artifacts
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-Lambda.html
   */
  readonly inputs?: codepipeline.Artifact[];

  /**
   * The artifacts the function writes: 0 to 5. The function must write each one before it reports success.
   *
   * @default - no output artifacts
   */
  readonly outputs?: codepipeline.Artifact[];

  /**
   * User parameters as an object, handed to the function JSON-encoded.
   * The encoded value may be at most 1000 characters. Only one of `userParameters` and
   * `userParametersString` may be set.
   *
   * @default - no user parameters
   */
  readonly userParameters?: { [key: string]: any };

  /**
   * User parameters as a string, handed to the function as they are (1 to 1000 characters).
   * Only one of `userParameters` and `userParametersString` may be set.
   *
   * @default - no user parameters
   */
  readonly userParametersString?: string;

  /**
   * The namespace of the action's output variables: `[A-Za-z0-9@-_]{1,100}`.
   *
   * @default - CodePipeline variables get a generated namespace when `variable()` is first used
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html
   */
  readonly variablesNamespace?: string;

  /**
   * The output variables the function will produce, each `[A-Za-z0-9@-_]{1,128}`.
   *
   * When set, `variable()` refuses any other name, and the list reaches the function
   * (environment variable `CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES`, a JSON array) so the runtime
   * reports a failure instead of success when one of them is missing.
   *
   * @default - not declared: `variable()` accepts any valid name
   */
  readonly outputVariables?: string[];

  /**
   * The role CodePipeline assumes to run the action. It is granted `lambda:InvokeFunction` on
   * the function and `lambda:ListFunctions`.
   *
   * @default - the pipeline creates a role for the action
   */
  readonly actionRole?: iam.IRole;

  /**
   * Whether a failed invocation of the function fails its job at once, through the step's failure
   * reporter: a function of the step's own, the on-failure destination of the step's function. When
   * an invocation fails for good (retries exhausted, or the event too old), whatever the reason (an
   * error the function did not report, an init error, a crash, running out of memory or time), it
   * calls PutJobFailureResult with the error Lambda recorded, the number of attempts and the
   * function's log group, so the pipeline fails within seconds instead of waiting 20 minutes for a result.
   *
   * It works when the step configures the function's asynchronous invocation (`configureAsyncInvoke`).
   * A report the reporter could not make goes, with the event, to the failure destination.
   *
   * @default true
   * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
   */
  readonly failureReporterEnabled?: boolean;

  /**
   * Where a failed invocation's event is kept when nothing could report it: with the failure reporter,
   * the reporter's own failed invocations (its record holds the step's record, with the event, as
   * `requestPayload`); without it, the function's failed invocations. The event contains the job's
   * temporary artifact credentials: the destination must be protected like a secret.
   *
   * @default - an SQS queue the construct creates (`failureQueue`): SSE encrypted, SSL only,
   * 14 days retention, only its sender (the reporter, or the function without one) may send to it
   * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
   */
  readonly failureDestination?: lambda.IDestination;

  /**
   * Whether a failure destination is configured at all.
   * Set to `false` to keep none; events nothing could report are then dropped.
   *
   * @default true
   */
  readonly failureDestinationEnabled?: boolean;

  /**
   * How long the default failure queue keeps a message (60 seconds to 14 days).
   * Only for the queue the construct creates.
   *
   * @default Duration.days(14)
   */
  readonly failureQueueRetentionPeriod?: Duration;

  /**
   * A customer managed KMS key for the default failure queue. Only for the queue the construct creates.
   *
   * @default - SQS managed server-side encryption (SSE-SQS)
   */
  readonly failureQueueEncryptionKey?: kms.IKey;

  /**
   * A dead-letter queue behind the default failure queue, for messages a consumer of the failure
   * queue received `maxReceiveCount` times without deleting them. Only for the queue the construct
   * creates. AWS Control Tower's proactive control CT.SQS.PR.1 and cdk-nag's
   * `Serverless-SQSRedrivePolicy` ask every queue for one.
   *
   * @default - none: the failure queue is itself the store of failed events
   * @see https://docs.aws.amazon.com/controltower/latest/controlreference/sqs-rules.html
   */
  readonly failureQueueDeadLetterQueue?: sqs.DeadLetterQueue;

  /**
   * How many times Lambda retries an asynchronous invocation that failed (0 to 2).
   *
   * With the failure reporter, none by default: a crash most often repeats, and every retry delays the
   * report by the attempt and Lambda's wait (1 minute before the first retry, 2 before the second).
   * Retry in the pipeline instead (a stage's retry on failure). Without the reporter, a retry is the
   * only other chance to report, so Lambda's default of 2 stays. Throttled invocations are retried by
   * Lambda whatever this is, for up to `maxEventAge`.
   *
   * @default - 0 with the failure reporter, 2 without it
   * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
   */
  readonly retryAttempts?: number;

  /**
   * How old an asynchronous invocation event may get before Lambda stops retrying it and sends
   * it to the failure destination (60 seconds to 6 hours).
   *
   * CodePipeline fails a job that has no reply after 20 minutes, so an event older than that has
   * no job left to report to: retrying it longer only delays its arrival in the failure destination.
   *
   * @default Duration.minutes(20)
   */
  readonly maxEventAge?: Duration;
}
