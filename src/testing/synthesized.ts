import { Stack, Stage } from 'aws-cdk-lib';
import { CUSTOM_RUNTIMES, describeStep, PYTHON_RUNTIME, stepsIn, SynthesizedStep } from './assembly';
import { NODE_RUNTIMES, type NodeRuntime } from './invoke-like-lambda';
import { StepRun, StepRunError, StepRunOptions, runBundledStep, runCustomRuntimeStep, runPythonStep } from './run-step';
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
 * code) in a process of its own, Node.js or Python as its runtime says, with the environment variables the template gives the function and
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
  const expectedInputs = found.action?.inputArtifacts;
  const unknown = Object.keys(options.inputArtifacts ?? {}).filter(name => expectedInputs && !expectedInputs.includes(name));
  if (unknown.length > 0) {
    throw new StepRunError(`The action has no input artifact ${unknown.map(name => `'${name}'`).join(', ')}; its input artifacts are: ${expectedInputs!.join(', ') || 'none'}`);
  }
  // An artifact nobody gave would be served empty, and a step that passes on it proves nothing. A given
  // event names its own artifacts.
  const missing = options.event ? [] : (expectedInputs ?? []).filter(name => options.inputArtifacts?.[name] === undefined);
  if (missing.length > 0) {
    throw new StepRunError(`The action reads the input artifact${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, and the run was given no content for `
      + `${missing.length > 1 ? 'them' : 'it'}: pass inputArtifacts: { ${missing.map(name => `${name}: <files or a directory>`).join(', ')} } `
      + `(with the CLI, ${missing.map(name => `--input ${name}=<directory or .zip>`).join(' ')}); { ${missing[0]}: {} } serves an empty artifact on purpose`);
  }
  const settings: StepRunOptions = {
    userParameters: configured,
    outputArtifacts: found.action?.outputArtifacts,
    timeoutMillis: found.timeoutMillis,
    functionName: found.functionName,
    memoryMb: found.memoryMb,
    retryAttempts: found.retryAttempts,
    failureReporter: found.failureReporter,
    ...(NODE_RUNTIMES.includes(found.runtime as NodeRuntime) && { runtime: found.runtime as NodeRuntime }),
    ...options,
    environment: { ...found.environment, ...options.environment },
  };
  if (PYTHON_RUNTIME.test(found.runtime)) {
    return runPythonStep(found.assetDirectory, found.handler, { ...settings, runtime: found.runtime });
  }
  if (CUSTOM_RUNTIMES.includes(found.runtime)) {
    return runCustomRuntimeStep(found.assetDirectory, found.handler, { ...settings, runtime: found.runtime });
  }
  return runBundledStep(found.assetDirectory, found.handler, settings);
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
