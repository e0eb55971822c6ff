import {
  Stack,
  aws_codepipeline as codepipeline,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_lambda_nodejs as nodejs,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DECLARED_OUTPUT_VARIABLES_ENV } from './common/wire-format';
import type { LambdaInvokeStepProps } from './lambda-invoke-step-props';
import { recordStepInAssembly } from './private/assembly-metadata';
import { bundleFunction } from './private/bundled-function';
import { FailureHandling, configureExistingFunction, planFailureHandling, restrictFailureQueue } from './private/failure-destination';
import { followStepFunction } from './private/failure-reporter';
import { grantJobResults } from './private/job-result-policy';
import { invokedName, setStepEnvironment } from './private/lambda-function';
import { explainStepFindings } from './private/nag';
import { StepAction, StepActionDescription } from './private/step-action';
import { failureDestinationEnabled } from './private/step-defaults';
import { freeTextToken, noteUserParameters, renderUserParameters } from './private/user-parameters';
import { checkLambdaInvokeStepProps, checkUserParametersLength, checkVariableName } from './private/validation';

/**
 * A Lambda function run as a step of a CodePipeline, with everything the step needs wired:
 * the function, its permissions to report the job's result, the pipeline's permission to invoke
 * it, a failure destination for events it could not process, and the pipeline action.
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
   * Functions that do not use the runtime must decode the format themselves (see docs/construct.md).
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

  /**
   * The pipeline action that invokes the function (CodePipeline's Lambda invoke action).
   *
   * Add it to a stage, and read its output variables with `variable()`.
   */
  public readonly action: codepipeline.IAction;

  /** The failure destination queue the construct created; undefined when a destination was given or none is wanted. */
  public readonly failureQueue?: sqs.IQueue;

  /**
   * The function that fails the job of an invocation that failed for good (`failureReporterEnabled`);
   * undefined when it is turned off or the step leaves the asynchronous invocation config alone.
   */
  public readonly failureReporter?: lambda.IFunction;

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
   * The step's action, resolved: what `LambdaInvokePipelinesStep` builds its action from, replacing
   * only what CDK Pipelines decides. The one member CDK Pipelines reads that is not public API.
   * @internal
   */
  public readonly _actionDescription: StepActionDescription;

  private readonly stepAction: StepAction;

  constructor(scope: Construct, id: string, props: LambdaInvokeStepProps) {
    super(scope, id);
    checkLambdaInvokeStepProps(this, props);
    const userParameters = renderUserParameters(this, props);
    if (userParameters) {
      checkUserParametersLength(this, userParameters);
    }
    this.outputVariables = props.outputVariables ? [...props.outputVariables] : undefined;
    this.variablesNamespace = props.variablesNamespace;

    const failures = planFailureHandling(this, props);
    this.failureQueue = failures.queue;
    this.failureReporter = failures.reporter;
    if (props.entry !== undefined) {
      this.nodejsFunction = this.bundleFunction(props, failures);
      this.lambdaFunction = this.nodejsFunction;
    } else {
      this.lambdaFunction = this.adoptFunction(props.existingFunction!, failures);
    }
    this.jobResultPolicy = grantJobResults(this, this.lambdaFunction);
    explainStepFindings({
      nodejsFunction: this.nodejsFunction,
      jobResultPolicy: this.jobResultPolicy,
      failureQueue: this.failureQueue,
      inVpc: props.functionProps?.vpc !== undefined,
      failureDestinationEnabled: failureDestinationEnabled(props),
      failureQueueHasDeadLetterQueue: props.failureQueueDeadLetterQueue !== undefined,
    });
    if (failures.reporter) {
      followStepFunction(failures.reporter, this.lambdaFunction);
    }
    if (this.failureQueue) {
      restrictFailureQueue(this.failureQueue, (failures.reporter ?? this.lambdaFunction).role);
    }

    noteUserParameters(this, this.lambdaFunction, userParameters);
    const functionName = invokedName(this.lambdaFunction);
    recordStepInAssembly(this, this.lambdaFunction, functionName, this.failureReporter);
    this._actionDescription = {
      actionName: props.actionName ?? id,
      runOrder: props.runOrder,
      inputs: props.inputs,
      outputs: props.outputs,
      variablesNamespace: props.variablesNamespace,
      lambdaFunction: this.lambdaFunction,
      functionName,
      role: props.actionRole,
      userParameters: userParameters?.text,
      userParametersGiven: userParameters && { userParameters: props.userParameters, userParametersString: props.userParametersString },
    };
    this.stepAction = new StepAction(this, this._actionDescription);
    this.action = this.stepAction;
  }

  /**
   * The expression that reads one of the action's output variables in a downstream action's
   * configuration, such as `#{SmokeTest.REPORT_URL}`.
   *
   * @param name the variable's name; when `outputVariables` was set, one of them
   */
  public variable(name: string): string {
    checkVariableName(this, this.outputVariables, name);
    return this.variablesNamespace !== undefined ? `#{${this.variablesNamespace}.${name}}` : this.stepAction.variable(name);
  }

  private bundleFunction(props: LambdaInvokeStepProps, failures: FailureHandling): nodejs.NodejsFunction {
    return bundleFunction(this, {
      entry: props.entry!,
      functionProps: props.functionProps,
      asyncInvokeConfig: failures.asyncInvokeConfig,
      outputVariables: this.outputVariables,
      usesArtifacts: () => this.stepAction.usesArtifacts,
    });
  }

  /** `existingFunction`, configured as far as the app may change it. */
  private adoptFunction(fn: lambda.IFunction, failures: FailureHandling): lambda.IFunction {
    configureExistingFunction(this, fn, failures);
    if (this.outputVariables) {
      setStepEnvironment(this, fn, DECLARED_OUTPUT_VARIABLES_ENV, Stack.of(this).toJsonString(this.outputVariables), 'the declared `outputVariables`');
    }
    return fn;
  }
}
