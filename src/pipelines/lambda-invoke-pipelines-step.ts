import {
  Annotations,
  Stack,
  aws_codepipeline as codepipeline,
  aws_iam as iam,
  aws_lambda as lambda,
  pipelines,
} from 'aws-cdk-lib';
import { LambdaInvokeStep } from '../lambda-invoke-step';
import { placementsOf } from './placements';
import { StageFunctionReference, isInNestedStage, placedAfterItsStage, prepareStageFunction, stageFunctionArn } from './stage-function';
import { stepVariable } from './step-output';
import { errorAt } from '../private/errors';
import { isNamedByStep } from '../private/lambda-function';
import { StepAction, StepActionDescription } from '../private/step-action';
import { noteUserParameters, renderUserParameters, replaceDeep } from '../private/user-parameters';
import { checkArtifactCount, checkOneKindOfUserParameters, checkUserParametersLength, checkVariableName } from '../private/validation';

/**
 * Properties of a `LambdaInvokePipelinesStep`.
 */
export interface LambdaInvokePipelinesStepProps {
  /**
   * The construct whose function the step invokes. Its function, roles, failure destination,
   * `outputVariables` and `actionRole` are used as they are; its `inputs` and `outputs` must be
   * empty (give `inputs` here instead), and CDK Pipelines chooses the action name and run order.
   */
  readonly lambdaInvokeStep: LambdaInvokeStep;

  /**
   * The file sets the function reads, in order: 0 to 5. In the function, `job.inputArtifactNames`
   * lists them in the same order; each is named by CDK Pipelines after its producer, such as
   * `Synth_Output` for the synth step's output.
   *
   * @default - no inputs
   */
  readonly inputs?: pipelines.IFileSetProducer[];

  /**
   * Whether the function writes an output artifact, which later steps can use as this step's
   * `primaryOutput`. The function finds it as `job.outputArtifactNames[0]` (named `<step id>_Output`).
   *
   * @default false
   */
  readonly producesOutput?: boolean;

  /**
   * User parameters as an object, JSON-encoded for the function. Values may be stack outputs of
   * stacks the pipeline deploys (`StackOutputReference.fromCfnOutput(output)`); the step then
   * runs after those stacks, and the function receives the output's value.
   *
   * @default - the `userParameters` or `userParametersString` of the `LambdaInvokeStep`, if any
   */
  readonly userParameters?: { [key: string]: any };

  /**
   * User parameters as a string. Only one of `userParameters` and `userParametersString` may be set.
   *
   * @default - the `userParameters` or `userParametersString` of the `LambdaInvokeStep`, if any
   */
  readonly userParametersString?: string;
}

/**
 * A CDK Pipelines step that invokes the function of a `LambdaInvokeStep`. Place it in `pre` or
 * `post` of a stage or wave, or anywhere a `Step` goes.
 *
 * @exampleMetadata fixture=pipeline
 * @example
 * const smokeTest = new LambdaInvokeStep(stack, 'SmokeTest', {
 *   entry: path.join(__dirname, 'smoke-test.ts'),
 *   outputVariables: ['REPORT_URL'],
 * });
 * cdkPipeline.addStage(prod, {
 *   post: [new LambdaInvokePipelinesStep('SmokeTest', { lambdaInvokeStep: smokeTest, inputs: [synth] })],
 * });
 */
export class LambdaInvokePipelinesStep extends pipelines.Step implements pipelines.ICodePipelineActionFactory {
  private readonly lambdaInvokeStep: LambdaInvokeStep;
  private readonly inputFileSets: pipelines.FileSet[];
  /** The step's own user parameters; undefined: the LambdaInvokeStep's are used. */
  private readonly userParameters?: { readonly userParameters?: { [key: string]: any }; readonly userParametersString?: string };
  private readonly stackOutputs: pipelines.StackOutputReference[];
  private placedIn?: string;
  /** How the pipeline reaches a function defined in a stage it deploys. */
  private readonly stageFunction?: StageFunctionReference;
  /** How errors name this step, after the LambdaInvokeStep's path. */
  private readonly subject: string;

  constructor(id: string, props: LambdaInvokePipelinesStepProps) {
    super(id);
    const construct = props.lambdaInvokeStep;
    this.lambdaInvokeStep = construct;
    const subject = `LambdaInvokePipelinesStep '${id}': `;
    this.subject = subject;
    const ownAction = construct._actionDescription;
    for (const prop of ['inputs', 'outputs'] as const) {
      if (ownAction[prop]?.length) {
        throw errorAt(construct, `${subject}the LambdaInvokeStep's \`${prop}\` (codepipeline.Artifact) do not apply in CDK Pipelines; `
          + `give file sets as \`inputs\`${prop === 'outputs' ? ' and set `producesOutput`' : ''} of the LambdaInvokePipelinesStep instead, got ${ownAction[prop]!.length}`);
      }
    }
    if (props.userParameters !== undefined || props.userParametersString !== undefined) {
      if (ownAction.userParameters !== undefined) {
        throw errorAt(construct, `${subject}user parameters are set both here and on the LambdaInvokeStep; set them in one place`);
      }
      checkOneKindOfUserParameters(construct, props, subject);
      this.userParameters = { userParameters: props.userParameters, userParametersString: props.userParametersString };
      // Noted now: a function inside a stage is synthesized with its stage, before the pipeline names the outputs' namespaces.
      const withOutputsNamed = replaceStackOutputs(props.userParameters, output => `#{stack output ${output.stackDescription}.${output.outputName}}`);
      const described = renderUserParameters(construct, { ...this.userParameters, userParameters: withOutputsNamed });
      noteUserParameters(construct, construct.lambdaFunction, described);
    }

    checkArtifactCount(construct, 'inputs', props.inputs, subject);
    this.inputFileSets = (props.inputs ?? []).map((producer, index) => {
      const fileSet = producer.primaryOutput;
      if (!fileSet) {
        throw errorAt(construct, `${subject}\`inputs[${index}]\` (${producer}) produces no file set`);
      }
      this.addDependencyFileSet(fileSet);
      return fileSet;
    });
    if (props.producesOutput) {
      this.configurePrimaryOutput(new pipelines.FileSet('Output', this));
    }
    this.stackOutputs = collectStackOutputs(props.userParameters);
    const parameters = this.userParameters ?? ownAction.userParametersGiven;
    this.discoverReferencedOutputs(parameters?.userParameters ?? parameters?.userParametersString);
    if (isInNestedStage(construct)) {
      this.stageFunction = prepareStageFunction(construct, subject, construct.lambdaFunction, isNamedByStep(construct.lambdaFunction));
    }
  }

  /**
   * The steps this one runs after. CDK Pipelines reads this when it first meets the step in the
   * pipeline, before it would report a second placement as a dependency cycle (across waves) or
   * merge both into one action (within a wave); a step placed twice is refused here instead.
   */
  public get dependencies(): pipelines.Step[] {
    refuseSecondPlacement(this, this.lambdaInvokeStep);
    return super.dependencies;
  }

  /** The stack outputs the user parameters use: CDK Pipelines runs the step after their stacks. */
  public get consumedStackOutputs(): pipelines.StackOutputReference[] {
    return [...this.stackOutputs];
  }

  /**
   * The expression that reads one of the function's output variables, for a later step such as a
   * `CodeBuildStep`'s `env`. The pipeline runs the consuming step after this one, and gives this
   * step's action the variables namespace `<stage name>@<step id>` (CDK Pipelines' own naming).
   *
   * @param name the variable's name; when the LambdaInvokeStep declares `outputVariables`, one of them
   */
  public variable(name: string): string {
    checkVariableName(this.lambdaInvokeStep, this.lambdaInvokeStep.outputVariables, name);
    return stepVariable(this, name);
  }

  /** Adds the step's action to the pipeline; CDK Pipelines calls it. */
  public produceAction(stage: codepipeline.IStage, options: pipelines.ProduceActionOptions): pipelines.CodePipelineActionFactoryResult {
    const placement = `action ${options.actionName} of stage ${stage.stageName}`;
    if (this.placedIn) {
      // Reached only by a placement the pipeline scan could not see (for example a pipeline in another stage).
      throw placedTwice(this, this.lambdaInvokeStep, [this.placedIn, placement]);
    }
    this.placedIn = placement;
    const construct = this.lambdaInvokeStep;
    const described = construct._actionDescription;
    if (options.variablesNamespace !== undefined && construct.variablesNamespace !== undefined) {
      Annotations.of(construct).addWarningV2('cdk-lambda-invoke-step:namespaceReplaced',
        `LambdaInvokePipelinesStep '${this.id}' reads its variables through variable(), so CDK Pipelines names them '${options.variablesNamespace}': `
        + `\`variablesNamespace\` '${construct.variablesNamespace}' does not apply to this action and #{${construct.variablesNamespace}.<name>} will not resolve in it.`);
    }
    stage.addAction(new StepAction(construct, {
      ...described,
      actionName: options.actionName,
      runOrder: options.runOrder,
      inputs: this.inputFileSets.map(fileSet => options.artifacts.toCodePipeline(fileSet)),
      outputs: this.primaryOutput ? [options.artifacts.toCodePipeline(this.primaryOutput)] : undefined,
      variablesNamespace: options.variablesNamespace ?? construct.variablesNamespace,
      userParameters: this.userParameters ? this.renderOwnUserParameters(options) : described.userParameters,
      ...this.stageFunction && this.stageTarget(this.stageFunction, options),
    }));
    return { runOrdersConsumed: 1 };
  }

  /** The step's own user parameters, with stack outputs as CodePipeline reads them, checked against CodePipeline's limits. */
  private renderOwnUserParameters(options: pipelines.ProduceActionOptions): string | undefined {
    const construct = this.lambdaInvokeStep;
    const userParameters = replaceStackOutputs(this.userParameters!.userParameters, output => options.stackOutputsMap.toCodePipeline(output));
    const rendered = renderUserParameters(construct, { ...this.userParameters, userParameters });
    if (rendered) {
      checkUserParametersLength(construct, rendered, this.subject);
    }
    return rendered?.text;
  }

  /** The function in a stage, as the pipeline's stack imports it, and the role the stage made for the action. */
  private stageTarget(reference: StageFunctionReference, options: pipelines.ProduceActionOptions): Partial<StepActionDescription> {
    const construct = this.lambdaInvokeStep;
    const { placedRight, places } = placedAfterItsStage(this, reference.functionStack);
    if (!placedRight) {
      throw errorAt(construct, `${this.subject}the function is in stack ${reference.functionStack.node.path}, inside a stage, so the step runs only in the \`post\` `
        + `of the stage that deploys it, after its stacks exist, and only there; it is placed in: ${places.join(', ') || 'no stage of the pipeline'}`);
    }
    const scope = options.scope;
    const pipelineStack = Stack.of(scope);
    const target = {
      lambdaFunction: lambda.Function.fromFunctionAttributes(scope, `${options.actionName}Function`, {
        functionArn: stageFunctionArn(reference, pipelineStack),
        skipPermissions: true,
      }),
      functionName: reference.qualifiedName,
    };
    // In another account, the stage made the role that runs the action, with its permissions.
    return reference.actionRoleArn === undefined ? target : {
      ...target,
      role: iam.Role.fromRoleArn(scope, `${options.actionName}Role`, reference.actionRoleArn, { mutable: false }),
      roleGrantedElsewhere: true,
    };
  }
}

function refuseSecondPlacement(step: pipelines.Step, construct: LambdaInvokeStep) {
  const places = placementsOf(step, construct);
  if (places.length > 1) {
    throw placedTwice(step, construct, places);
  }
}

function placedTwice(step: pipelines.Step, construct: LambdaInvokeStep, places: string[]): Error {
  return errorAt(construct, `LambdaInvokePipelinesStep '${step.id}' is placed in the pipeline ${places.length} times (${places.join(', ')}): `
    + 'a step runs once, so make one LambdaInvokePipelinesStep per place; they may share the same LambdaInvokeStep');
}

/** A copy of `value` with every StackOutputReference replaced. */
function replaceStackOutputs(value: any, replace: (output: pipelines.StackOutputReference) => string): any {
  return replaceDeep(value, item => item instanceof pipelines.StackOutputReference ? replace(item) : undefined);
}

function collectStackOutputs(value: unknown): pipelines.StackOutputReference[] {
  const found: pipelines.StackOutputReference[] = [];
  replaceStackOutputs(value, output => {
    found.push(output);
    return '';
  });
  return found;
}
