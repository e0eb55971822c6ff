import { Stack, Stage } from 'aws-cdk-lib';
import { describeStep, stepsIn, SynthesizedStep } from './assembly';
import { StepRun, StepRunError, StepRunOptions, runFunction } from './run-step';
import { runtimeFamilyOf } from './runtimes';
import { LambdaInvokeStep } from '../lambda-invoke-step';

/** Synthesizes the step's app (or stage) and reads its function from the cloud assembly. */
export function findSynthesizedStep(target: LambdaInvokeStep | Stack): SynthesizedStep {
  const step = target instanceof LambdaInvokeStep ? target : onlyStepIn(target);
  const stack = Stack.of(step);
  const stage = Stage.of(stack);
  if (!stage) {
    throw new StepRunError(`Stack ${stack.node.path} is not in an App or Stage, so it cannot be synthesized`);
  }
  const assembly = stage.synth();
  const marked = stepsIn(assembly).find(candidate => candidate.path === step.node.path);
  if (!marked) {
    throw new StepRunError(`The cloud assembly of ${stage.node.path || 'the app'} does not mark ${step.node.path}: was it synthesized by this version of cdk-lambda-invoke-step?`);
  }
  return describeStep(assembly, marked);
}

/**
 * Runs the code a synthesized LambdaInvokeStep would deploy (the bundle, an asset directory, inline
 * code) in a process of its own, with the runner of its runtime (Node.js, Python, Java, a custom runtime), its layers,
 * the environment variables the template gives the function and
 * the user parameters and artifact names of the pipeline action that invokes it. `options` override them.
 */
export async function runSynthesizedStep(target: LambdaInvokeStep | Stack, options: StepRunOptions = {}): Promise<StepRun> {
  return runDescribedStep(findSynthesizedStep(target), options);
}

/** Runs a step read from a cloud assembly, with its action's settings unless `options` override them. */
export async function runDescribedStep(found: SynthesizedStep, options: StepRunOptions = {}): Promise<StepRun> {
  const configured = found.action?.configuration.UserParameters;
  if (configured !== undefined && typeof configured !== 'string' && options.userParameters === undefined) {
    throw new StepRunError(`The action's UserParameters hold values known only at deploy time (${JSON.stringify(configured).slice(0, 200)}): pass \`userParameters\``);
  }
  // A given event names its own artifacts; otherwise the action's are the ones it gets.
  const expectedInputs = options.event ? artifactNames((options.event as any)?.['CodePipeline.job']?.data?.inputArtifacts) : found.action?.inputArtifacts;
  const unknown = Object.keys(options.inputArtifacts ?? {}).filter(name => expectedInputs && !expectedInputs.includes(name));
  if (unknown.length > 0) {
    throw new StepRunError(`${options.event ? 'The given event' : 'The action'} has no input artifact ${unknown.map(name => `'${name}'`).join(', ')}; its input artifacts are: ${expectedInputs!.join(', ') || 'none'}`);
  }
  // An artifact nobody gave would be served empty, and a step that passes on it proves nothing. A given
  // event names its own artifacts.
  const missing = options.event ? [] : (expectedInputs ?? []).filter(name => options.inputArtifacts?.[name] === undefined);
  if (missing.length > 0) {
    throw new StepRunError(`The action reads the input artifact${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, and the run was given no content for `
      + `${missing.length > 1 ? 'them' : 'it'}: pass inputArtifacts: { ${missing.map(name => `${name}: <files or a directory>`).join(', ')} } `
      + `(with the CLI, ${missing.map(name => `--input ${name}=<directory or .zip>`).join(' ')}); { ${missing[0]}: {} } serves an empty artifact on purpose`);
  }
  const { runtime, ...given } = options;
  // `runtime` lets a Node.js function behave as another Node.js runtime; other families run as the template says.
  const sameFamily = runtime !== undefined && runtimeFamilyOf(runtime) === runtimeFamilyOf(found.runtime);
  return runFunction(found.assetDirectory, found.handler, sameFamily ? runtime : found.runtime, {
    userParameters: configured,
    outputArtifacts: found.action?.outputArtifacts,
    timeoutMillis: found.timeoutMillis,
    functionName: found.functionName,
    memoryMb: found.memoryMb,
    retryAttempts: found.retryAttempts,
    failureReporter: found.failureReporter,
    ...given,
    environment: { ...found.environment, ...options.environment },
    layers: layerDirectories(found, options.layers ?? {}),
  });
}

/**
 * The function's layers in order, each with its directory: its asset in the cloud assembly, or the one
 * `mapped` gives its ARN. A layer without content, and a mapping for a layer the function lacks, are refused.
 */
function layerDirectories(found: SynthesizedStep, mapped: Record<string, string>): Record<string, string> {
  const byArn = found.layers.filter(layer => !layer.directory).map(layer => layer.arn);
  const unused = Object.keys(mapped).filter(arn => !byArn.includes(arn));
  if (unused.length > 0) {
    throw new StepRunError(`layers maps ${unused.join(', ')}, which the function does not use: its layers given by ARN are ${byArn.join(', ') || 'none'}`);
  }
  const missing = byArn.filter(arn => mapped[arn] === undefined);
  if (missing.length > 0) {
    throw new StepRunError(`The function uses the layer${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, given by ARN: what ${missing.length > 1 ? 'they hold is' : 'it holds is'} `
      + 'not in the cloud assembly, and the function would run without it. Give a directory with the layer\'s content (what its zip holds, such as python/ '
      + `or nodejs/node_modules/): layers: { ${missing.map(arn => `'${arn}': '<directory>'`).join(', ')} } (with the CLI, ${missing.map(arn => `--layer ${arn}=<directory>`).join(' ')})`);
  }
  return Object.fromEntries(found.layers.map(layer => [layer.arn, layer.directory ?? mapped[layer.arn]]));
}

function artifactNames(artifacts: unknown): string[] | undefined {
  return Array.isArray(artifacts) ? artifacts.map(artifact => String(artifact?.name)) : undefined;
}

function onlyStepIn(stack: Stack): LambdaInvokeStep {
  const steps = stack.node.findAll().filter((construct): construct is LambdaInvokeStep => construct instanceof LambdaInvokeStep);
  if (steps.length !== 1) {
    throw new StepRunError(steps.length === 0
      ? `Stack ${stack.node.path} holds no LambdaInvokeStep`
      : `Stack ${stack.node.path} holds ${steps.length} LambdaInvokeSteps (${steps.map(step => step.node.path).join(', ')}): pass the one to run `
        + 'instead of the stack, runSynthesizedStep(step): keep each step as a property of your stack (`this.smokeTest = new LambdaInvokeStep(...)`), '
        + `or find it by id (\`stack.node.findChild('${steps[0].node.id}') as LambdaInvokeStep\`)`);
  }
  return steps[0];
}
