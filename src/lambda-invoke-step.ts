import {
  Annotations,
  Aspects,
  Duration,
  PhysicalName,
  Stack,
  Token,
  aws_codepipeline as codepipeline,
  aws_codepipeline_actions as codepipeline_actions,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_lambda_nodejs as nodejs,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { recordStepInAssembly } from './private/assembly-metadata';
import { FailureQueueDestination } from './private/failure-queue-destination';
import { traceFunction } from './private/function-tracing';
import { DECLARED_OUTPUT_VARIABLES_ENV, PARAMETER_VARIABLES_ENV } from './private/limits';
import { explainOwnInlinePolicy, suppressNagFindings } from './private/nag';
import { StepActionTarget, StepLambdaInvokeAction } from './private/step-action';
import { TrackedPolicy, environmentHolder, importedQualifier, isDefinedInApp } from './private/step-function';
import { freeTextToken, mayHoldVariables, renderUserParameters, variableExpressionsJson } from './private/user-parameters';
import { checkLambdaInvokeStepProps, checkOutputVariableName, errorAt } from './private/validation';
import { checkVpcReachability } from './private/vpc-reachability';

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
   * Whether the construct sets the function's asynchronous invocation config: `failureDestination`,
   * `retryAttempts` and `maxEventAge`. For an alias or version, the config is the qualifier's own.
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
   * construct adds for declared output variables. `runtime` and `timeout` have their own defaults
   * (Node.js 24 and 5 minutes) that a value here replaces; every other setting keeps NodejsFunction's default.
   *
   * @default - Node.js 24.x runtime, 5 minute timeout, NodejsFunction defaults otherwise
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
   * Where Lambda sends an invocation event it could not process (after `retryAttempts`, or older
   * than `maxEventAge`). The event contains the job's temporary artifact credentials: the
   * destination must be protected like a secret.
   *
   * @default - an SQS queue the construct creates (`failureQueue`): SSE encrypted, SSL only,
   * 14 days retention, only the function may send to it
   * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
   */
  readonly failureDestination?: lambda.IDestination;

  /**
   * Whether an asynchronous failure destination is configured at all.
   * Set to `false` to keep none; events Lambda cannot process are then dropped.
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
   * The runtime makes an invocation fail only when it could not report the job's result to
   * CodePipeline; a retry then gets another chance to report before the job's 20 minute timeout.
   * When the job is already finished, a retry is harmless: the runtime stops without running the step.
   *
   * @default 2
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

const DEFAULT_RUNTIME = lambda.Runtime.NODEJS_24_X;
const DEFAULT_TIMEOUT = Duration.minutes(5);
const DEFAULT_RETRY_ATTEMPTS = 2;
const DEFAULT_MAX_EVENT_AGE = Duration.minutes(20);
const DEFAULT_FAILURE_QUEUE_RETENTION = Duration.days(14);

/**
 * A Lambda function run as a step of a CodePipeline, with everything the step needs wired:
 * the function, its permissions to report the job's result, the pipeline's permission to invoke
 * it, a failure destination for events it could not process, and the `LambdaInvokeAction`.
 *
 * @exampleMetadata fixture=pipeline
 * @example
 * const step = new LambdaInvokeStep(stack, 'SmokeTest', {
 *   entry: path.join(__dirname, 'smoke-test.ts'),
 *   inputs: [buildOutput],
 *   userParameters: { url: 'https://example.com' },
 *   variablesNamespace: 'SmokeTest',
 *   outputVariables: ['REPORT_URL'],
 * });
 * pipeline.addStage({ stageName: 'Test', actions: [step.action] });
 */
export class LambdaInvokeStep extends Construct {
  /**
   * Places a CodePipeline variable whose value is free text (a commit message, say) in `userParameters`,
   * so that a quote, backslash or line break in it cannot break the JSON: the step keeps the value
   * outside the JSON, and the runtime's `job.userParametersJson()` puts it back as a string.
   * Use it as a whole value of `userParameters`: `{ message: LambdaInvokeStep.freeText('#{SourceVariables.CommitMessage}') }`.
   * Functions that do not use the runtime must decode the format themselves (see README).
   *
   * @param expression the variable expression, such as `#{SourceVariables.CommitMessage}`
   */
  public static freeText(expression: string): string {
    return freeTextToken(expression);
  }

  /** The step's function: the `NodejsFunction` made from `entry`, or `existingFunction`. */
  public readonly lambdaFunction: lambda.IFunction;

  /** The function the construct bundled from `entry`; undefined with `existingFunction`. */
  public readonly nodejsFunction?: nodejs.NodejsFunction;

  /** The CodePipeline action that invokes the function; add it to a stage. */
  public readonly action: codepipeline_actions.LambdaInvokeAction;

  /** The failure destination queue the construct created; undefined when a destination was given or none is wanted. */
  public readonly failureQueue?: sqs.IQueue;

  /** The output variables declared with `outputVariables`; undefined when none were declared. */
  public readonly outputVariables?: string[];

  /** The action's variables namespace, when one was given. */
  public readonly variablesNamespace?: string;

  /**
   * The policy, attached to the function's role, that allows reporting job results
   * (`codepipeline:PutJobSuccessResult` and `codepipeline:PutJobFailureResult` on `*`). It holds
   * only those statements, so cdk-nag's explanation on it covers nothing of the role's other policies.
   * Undefined when the function has no role CDK may add to (an imported function, an immutable role).
   */
  public readonly jobResultPolicy?: iam.Policy;

  /**
   * The props the construct was made with, for `LambdaInvokePipelinesStep`.
   * @internal
   */
  public readonly _props: LambdaInvokeStepProps;

  private readonly notedUserParameters: string[] = [];

  constructor(scope: Construct, id: string, props: LambdaInvokeStepProps) {
    super(scope, id);
    checkLambdaInvokeStepProps(this, props);
    this._props = props;

    this.outputVariables = props.outputVariables ? [...props.outputVariables] : undefined;
    this.variablesNamespace = props.variablesNamespace;

    const configureAsyncInvoke = props.configureAsyncInvoke ?? (props.existingFunction ? isDefinedInApp(props.existingFunction) : true);
    const failureDestinationEnabled = configureAsyncInvoke && (props.failureDestinationEnabled ?? true);
    if (failureDestinationEnabled && !props.failureDestination) {
      this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
        encryption: props.failureQueueEncryptionKey ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED,
        encryptionMasterKey: props.failureQueueEncryptionKey,
        enforceSSL: true,
        retentionPeriod: props.failureQueueRetentionPeriod ?? DEFAULT_FAILURE_QUEUE_RETENTION,
        deadLetterQueue: props.failureQueueDeadLetterQueue,
      });
    }
    if (configureAsyncInvoke && !failureDestinationEnabled) {
      Annotations.of(this).addWarningV2('cdk-lambda-invoke-step:noFailureDestination',
        'failureDestinationEnabled is false: an invocation event Lambda cannot process is dropped, and with it any record of the job it carried.');
    }
    const asyncInvokeConfig: lambda.EventInvokeConfigOptions = {
      onFailure: props.failureDestination ?? (this.failureQueue && new FailureQueueDestination(this, this.failureQueue)),
      retryAttempts: props.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
      maxEventAge: props.maxEventAge ?? DEFAULT_MAX_EVENT_AGE,
    };

    if (props.entry !== undefined) {
      this.nodejsFunction = this.bundledFunction(props.entry, props.functionProps, asyncInvokeConfig);
      this.lambdaFunction = this.nodejsFunction;
    } else {
      this.lambdaFunction = props.existingFunction!;
      if (configureAsyncInvoke) {
        this.configureExistingAsyncInvoke(this.lambdaFunction, asyncInvokeConfig);
      }
      if (this.outputVariables) {
        this.setFunctionEnvironment(DECLARED_OUTPUT_VARIABLES_ENV, Stack.of(this).toJsonString(this.outputVariables), 'the declared `outputVariables`');
      }
    }

    // CodePipeline's job APIs accept no resource narrower than '*' (service authorization reference).
    // Granted here, the function can report even before (or without) a pipeline binding the action.
    const jobResultPolicy = new TrackedPolicy(this, 'JobResultPolicy', {
      statements: [new iam.PolicyStatement({
        actions: ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'],
        resources: ['*'],
      })],
    });
    this.lambdaFunction.role?.attachInlinePolicy(jobResultPolicy);
    if (jobResultPolicy.isAttachedToRole) {
      this.jobResultPolicy = jobResultPolicy;
      // The function resource only: its role, a child of the construct, is what the policy attaches to.
      this.lambdaFunction.node.defaultChild?.node.addDependency(jobResultPolicy);
    } else {
      Annotations.of(this).addWarningV2('cdk-lambda-invoke-step:cannotGrantJobResults',
        `The function ${this.lambdaFunction.node.path} has ${this.lambdaFunction.role ? `a role CDK may not change (${this.lambdaFunction.role.node.path})` : 'no role CDK knows of'}: `
        + 'grant codepipeline:PutJobSuccessResult and codepipeline:PutJobFailureResult (resource *) to its execution role yourself, '
        + 'or the function cannot report the job\'s result and the action fails after 20 minutes.');
    }
    this.explainNagFindings(props);
    recordStepInAssembly(this, this.lambdaFunction);

    const functionRole = this.lambdaFunction.role;
    if (this.failureQueue && functionRole) {
      // Whole job events, credentials included, land here: nobody but the function may send.
      this.failureQueue.addToResourcePolicy(new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [this.failureQueue.queueArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': functionRole.roleArn } },
      }));
    }

    this._noteUserParameters(props.userParameters, props.userParametersString);
    // Bound when added to a stage: lambda:ListFunctions ('*', the API has no resource) and
    // lambda:InvokeFunction on this function for the role that runs the action.
    this.action = this._newAction({
      actionName: props.actionName ?? id,
      runOrder: props.runOrder,
      inputs: props.inputs,
      outputs: props.outputs,
      userParameters: props.userParameters,
      userParametersString: props.userParametersString,
      variablesNamespace: props.variablesNamespace,
    });
  }

  /**
   * The expression that reads one of the action's output variables in a downstream action's
   * configuration, such as `#{SmokeTest.REPORT_URL}`.
   *
   * @param name the variable's name; when `outputVariables` was set, one of them
   */
  public variable(name: string): string {
    this._checkVariableName(name);
    return this.variablesNamespace !== undefined ? `#{${this.variablesNamespace}.${name}}` : this.action.variable(name);
  }

  /**
   * A new action invoking this step's function (or `target`'s, the same function as another stack
   * sees it), run by `actionRole` when one was given.
   * @internal
   */
  public _newAction(props: Omit<codepipeline_actions.LambdaInvokeActionProps, 'lambda' | 'role'>, target?: StepActionTarget): codepipeline_actions.LambdaInvokeAction {
    const fn = target?.lambdaFunction ?? this.lambdaFunction;
    const role = target?.role ?? this._props.actionRole;
    const userParametersString = renderUserParameters(this, props.userParameters, props.userParametersString);
    // aws-cdk-lib's import drops an ARN's qualifier from the function's name, which would invoke $LATEST.
    const qualifier = importedQualifier(fn);
    return new StepLambdaInvokeAction(this, { ...props, userParameters: undefined, userParametersString, lambda: fn, role }, {
      roleGrantedElsewhere: target?.role !== undefined,
      functionSeenFromAnotherStage: target !== undefined,
      functionName: target?.functionName ?? (qualifier && `${fn.functionName}:${qualifier}`),
    });
  }

  /**
   * Records user parameters an action of this step passes, so that the runtime can name the
   * variables they use when the substituted text is not valid JSON.
   * @internal
   */
  public _noteUserParameters(userParameters: { [key: string]: any } | undefined, userParametersString: string | undefined): void {
    if (!mayHoldVariables(userParameters ?? userParametersString)) {
      return;
    }
    const rendered = renderUserParameters(this, userParameters, userParametersString)!;
    if (this.notedUserParameters.length === 0) {
      this.setFunctionEnvironment(PARAMETER_VARIABLES_ENV, variableExpressionsJson(this, this.notedUserParameters),
        'the names of the variables its UserParameters use (for the runtime\'s error when they break the JSON)');
    }
    this.notedUserParameters.push(rendered);
  }

  /**
   * Throws unless `name` is a valid output variable name, and a declared one when names are declared.
   * @internal
   */
  public _checkVariableName(name: string): void {
    checkOutputVariableName(this, 'variable()', name);
    if (this.outputVariables && !Token.isUnresolved(name) && !this.outputVariables.includes(name)) {
      throw errorAt(this, `variable() accepts only the names declared in \`outputVariables\` (${this.outputVariables.join(', ') || 'none'}), got '${name}'`);
    }
  }

  private bundledFunction(entry: string, functionProps: nodejs.NodejsFunctionProps = {}, asyncInvokeConfig: lambda.EventInvokeConfigOptions) {
    // Tracing is turned on below, with its permission in a policy of the step's own (ADOT instrumentation
    // turns it on itself, so then aws-cdk-lib does it all).
    const ownTracing = functionProps.adotInstrumentation === undefined ? functionProps.tracing : undefined;
    const fn = new nodejs.NodejsFunction(this, 'Function', {
      runtime: DEFAULT_RUNTIME,
      timeout: DEFAULT_TIMEOUT,
      // A pipeline in another account or region names the function in its action: only then is a name generated.
      functionName: PhysicalName.GENERATE_IF_NEEDED,
      ...functionProps,
      ...(ownTracing !== undefined && { tracing: undefined }),
      entry,
      environment: {
        ...functionProps.environment,
        ...(this.outputVariables && { [DECLARED_OUTPUT_VARIABLES_ENV]: Stack.of(this).toJsonString(this.outputVariables) }),
      },
      ...asyncInvokeConfig,
    });
    if (ownTracing !== undefined) {
      traceFunction(this, fn, ownTracing);
    }
    const vpc = functionProps.vpc;
    if (vpc) {
      // At synthesis, so that endpoints and NAT routes added after the step count.
      Aspects.of(this).add({
        visit: node => {
          if (node === this) {
            checkVpcReachability(this, vpc, functionProps.vpcSubnets, () => this.usesArtifacts());
          }
        },
      });
    }
    return fn;
  }

  /** Whether an action of the step reads or writes artifacts, so its function needs S3. */
  private usesArtifacts(): boolean {
    return !!(this.action.actionProperties.inputs?.length || this.action.actionProperties.outputs?.length);
  }

  /** The qualifier's own config for an alias or version; a function's unqualified one otherwise. */
  private configureExistingAsyncInvoke(fn: lambda.IFunction, options: lambda.EventInvokeConfigOptions) {
    if (this.failureQueue && !fn.role) {
      throw errorAt(this, `\`existingFunction\` (${fn.node.path}) has no role the failure queue could allow to send: import it with its \`role\` `
        + '(lambda.Function.fromFunctionAttributes), or give `failureDestination`');
    }
    if (!isDefinedInApp(fn)) {
      new lambda.EventInvokeConfig(this, 'AsyncInvokeConfig', { function: fn, qualifier: importedQualifier(fn), ...options });
      return;
    }
    const existing = fn.node.tryFindChild('EventInvokeConfig');
    if (existing) {
      throw errorAt(this, `\`existingFunction\` (${fn.node.path}) already has an asynchronous invocation config (${existing.node.path}), `
        + 'which Lambda allows once per function or qualifier: set `configureAsyncInvoke: false` to keep it, '
        + 'or remove it (and the function\'s onFailure, retryAttempts and maxEventAge) to let the step configure it');
    }
    fn.configureAsyncInvoke(options);
  }

  /** Sets an environment variable the step's code reads, or warns that it has to be set by hand. */
  private setFunctionEnvironment(name: string, value: string, what: string) {
    const holder = environmentHolder(this.lambdaFunction);
    if (holder) {
      holder.addEnvironment(name, value);
      return;
    }
    Annotations.of(this).addWarningV2(`cdk-lambda-invoke-step:cannotSetEnvironment:${name}`,
      `The function ${this.lambdaFunction.node.path} is not a Function this app defines, so ${what} cannot reach its code: `
      + `set its environment variable ${name} to ${Stack.of(this).resolve(value)} yourself.`);
  }

  /** Records, as metadata cdk-nag reads, why the findings on resources the construct created are expected. */
  private explainNagFindings(props: LambdaInvokeStepProps) {
    const role = this.nodejsFunction?.role;
    if (role instanceof iam.Role && role.node.scope === this.nodejsFunction) {
      suppressNagFindings(role.node.defaultChild, [{
        id: 'AwsSolutions-IAM4',
        reason: 'AWSLambdaBasicExecutionRole allows only creating log streams and writing log events, which the function needs to log.',
        applies_to: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      }, ...props.functionProps?.vpc ? [{
        id: 'AwsSolutions-IAM4',
        reason: 'AWSLambdaVPCAccessExecutionRole allows only managing the network interfaces through which a function in a VPC reaches its subnets, which Lambda needs to run it there.',
        applies_to: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'],
      }] : []]);
    }
    suppressNagFindings(this.jobResultPolicy?.node.defaultChild, [{
      id: 'AwsSolutions-IAM5',
      reason: 'codepipeline:PutJobSuccessResult and codepipeline:PutJobFailureResult have no resource-level permissions: CodePipeline requires *.',
      applies_to: ['Resource::*'],
    }]);
    explainOwnInlinePolicy(this.jobResultPolicy?.node.defaultChild, 'the permission to report the job\'s result');
    const deadLetterStore = 'This queue is the function\'s on-failure destination, the dead-letter store for its asynchronous events; '
      + 'a queue behind it would only move the problem (set `failureQueueDeadLetterQueue` for one all the same).';
    suppressNagFindings(this.failureQueue?.node.defaultChild, [
      { id: 'AwsSolutions-SQS3', reason: deadLetterStore },
      ...props.failureQueueDeadLetterQueue ? [] : [{ id: 'Serverless-SQSRedrivePolicy', reason: deadLetterStore }],
    ]);
    if (this.nodejsFunction && (props.failureDestinationEnabled ?? true)) {
      const reason = 'The function\'s failed asynchronous invocations go to an on-failure destination (its EventInvokeConfig), which Lambda '
        + 'recommends over a dead-letter queue: it keeps the whole event, the error and the number of attempts.';
      suppressNagFindings(this.nodejsFunction.node.defaultChild,
        ['Serverless-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'].map(id => ({ id, reason })));
    }
  }
}
