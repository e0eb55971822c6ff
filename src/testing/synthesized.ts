import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Stack, Stage, aws_lambda as lambda, cx_api } from 'aws-cdk-lib';
import { LambdaInvokeStep } from '../lambda-invoke-step';
import type { NodeRuntime } from './invoke-like-lambda';
import { RUNTIMES, StepRun, StepRunError, StepRunOptions, runBundledStep, runPythonStep } from './run-step';
import { environmentHolder } from '../private/step-function';

/** What the cloud assembly says about a LambdaInvokeStep: the code that would be deployed and how it is invoked. */
export interface SynthesizedStep {
  /** The function's code in the cloud assembly: the bundled asset, a `Code.fromAsset` directory, or inline code written to `index.js` there. */
  readonly assetDirectory: string;
  /** The function's handler, such as `index.handler`. */
  readonly handler: string;
  /** The function's environment variables with values known at synth time. */
  readonly environment: Record<string, string>;
  readonly timeoutMillis: number;
  /** The function's name: its FunctionName, or one shaped as CloudFormation generates (`<stack>-<logical id>-<random>`). */
  readonly functionName: string;
  /** The function's Lambda runtime, such as `nodejs24.x`. */
  readonly runtime: string;
  /** The function's memory size in MB. */
  readonly memoryMb: number;
  /** The pipeline action that invokes the function, when the template holds one. */
  readonly action?: {
    readonly name: string;
    readonly configuration: any;
    readonly inputArtifacts: string[];
    readonly outputArtifacts: string[];
    /** The action's variables namespace, when it has one. */
    readonly namespace?: string;
  };
}

/** Finds the step's bundled function in the synthesized cloud assembly. */
export function findSynthesizedStep(target: LambdaInvokeStep | Stack): SynthesizedStep {
  const step = target instanceof LambdaInvokeStep ? target : onlyStepIn(target);
  const stack = Stack.of(step);
  const stage = Stage.of(stack);
  if (!stage) {
    throw new StepRunError(`Stack ${stack.node.path} is not in an App or Stage, so it cannot be synthesized`);
  }
  const fn = environmentHolder(step.lambdaFunction);
  if (!fn) {
    throw new StepRunError(`${step.node.path} runs ${step.lambdaFunction.node.path}, a function imported into the app: its code is not in the cloud assembly, `
      + 'so it cannot be run locally. Run its handler with runStep, or a stand-in handler that does what it does');
  }
  const functionStack = Stack.of(fn);
  const assembly = stage.synth();
  const template = assembly.getStackArtifact(functionStack.artifactId).template;
  const logicalId = functionStack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
  const properties = template.Resources[logicalId].Properties;
  if (typeof properties.Runtime !== 'string' || !(RUNTIMES.includes(properties.Runtime as NodeRuntime) || PYTHON_RUNTIME.test(properties.Runtime))) {
    throw new StepRunError(`${step.node.path} runs ${fn.node.path} on ${properties.Runtime ?? 'a container image'}, and a local run starts only `
      + `the Lambda Node.js runtimes (${RUNTIMES.join(', ')}) and Python 3 (python3.x): run the step's logic with runStep and a Node.js stand-in handler instead`);
  }
  const environment = Object.fromEntries(Object.entries<unknown>(properties.Environment?.Variables ?? {})
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  return {
    assetDirectory: codeDirectory(assembly, properties.Code, properties.Runtime, step.node.path),
    memoryMb: properties.MemorySize ?? 128,
    handler: properties.Handler,
    environment,
    timeoutMillis: (properties.Timeout ?? 3) * 1000,
    functionName: typeof properties.FunctionName === 'string' ? properties.FunctionName : generatedFunctionName(functionStack.stackName, logicalId),
    runtime: properties.Runtime,
    action: findAction(assembly.getStackArtifact(stack.artifactId).template, logicalId),
  };
}

/**
 * Runs the bundled asset of a synthesized LambdaInvokeStep (the code that would be deployed) in a
 * Node.js process of its own, with the environment variables the template gives the function and
 * the user parameters and artifact names of the pipeline action that invokes it. `options` override them.
 */
export async function runSynthesizedStep(target: LambdaInvokeStep | Stack, options: StepRunOptions = {}): Promise<StepRun> {
  const found = findSynthesizedStep(target);
  const configured = found.action?.configuration.UserParameters;
  if (configured !== undefined && typeof configured !== 'string' && options.userParameters === undefined) {
    throw new StepRunError(`The action's UserParameters hold values known only at deploy time (${JSON.stringify(configured).slice(0, 200)}): pass \`userParameters\``);
  }
  const expectedInputs = found.action?.inputArtifacts;
  const unknown = Object.keys(options.inputArtifacts ?? {}).filter(name => expectedInputs && !expectedInputs.includes(name));
  if (unknown.length > 0) {
    throw new StepRunError(`The action has no input artifact ${unknown.map(name => `'${name}'`).join(', ')}; its input artifacts are: ${expectedInputs!.join(', ') || 'none'}`);
  }
  const settings: StepRunOptions = {
    userParameters: configured,
    outputArtifacts: found.action?.outputArtifacts,
    timeoutMillis: found.timeoutMillis,
    functionName: found.functionName,
    ...(RUNTIMES.includes(found.runtime as NodeRuntime) && { runtime: found.runtime as NodeRuntime }),
    ...options,
    inputArtifacts: { ...Object.fromEntries((expectedInputs ?? []).map(name => [name, {}])), ...options.inputArtifacts },
    environment: { ...found.environment, ...options.environment },
  };
  return PYTHON_RUNTIME.test(found.runtime)
    ? runPythonStep(found.assetDirectory, found.handler, { ...settings, runtime: found.runtime, memoryMb: found.memoryMb })
    : runBundledStep(found.assetDirectory, found.handler, settings);
}

/** The Lambda Python 3 runtimes. */
const PYTHON_RUNTIME = /^python3\.\d+$/;

/**
 * Where the function's code is in the cloud assembly: its file asset (a bundle or a `Code.fromAsset`
 * directory), or inline code (`Code.fromInline`) written as CloudFormation deploys it, in `index.js` or `index.py`.
 */
function codeDirectory(assembly: cx_api.CloudAssembly, code: any, runtime: string, stepPath: string): string {
  if (typeof code?.ZipFile === 'string') {
    const directory = path.join(assembly.directory, `inline-code.${createHash('sha256').update(code.ZipFile).digest('hex').slice(0, 16)}`);
    fs.mkdirSync(directory, { recursive: true });
    fs.writeFileSync(path.join(directory, PYTHON_RUNTIME.test(runtime) ? 'index.py' : 'index.js'), code.ZipFile);
    return directory;
  }
  const assetHash = String(code?.S3Key ?? '').replace(/\.zip$/, '');
  const source = assembly.artifacts
    .filter((artifact): artifact is cx_api.AssetManifestArtifact => artifact instanceof cx_api.AssetManifestArtifact)
    .map(manifest => JSON.parse(fs.readFileSync(manifest.file, 'utf8')).files?.[assetHash]?.source)
    .find(found => found?.path);
  if (!source) {
    throw new StepRunError(`The cloud assembly has no file asset ${assetHash || '(none)'} for ${stepPath}: was bundling skipped (context aws:cdk:bundling-stacks)?`);
  }
  return path.join(assembly.directory, source.path);
}

/** A physical name as CloudFormation generates one for a function without FunctionName (at most 64 characters). */
function generatedFunctionName(stackName: string, logicalId: string): string {
  const suffix = randomBytes(9).toString('base64').replace(/[^A-Za-z0-9]/g, 'X').toUpperCase().slice(0, 12);
  return `${stackName.slice(0, 25)}-${logicalId.slice(0, 25)}-${suffix}`;
}

function onlyStepIn(stack: Stack): LambdaInvokeStep {
  const steps = stack.node.findAll().filter((construct): construct is LambdaInvokeStep => construct instanceof LambdaInvokeStep);
  if (steps.length !== 1) {
    throw new StepRunError(steps.length === 0
      ? `Stack ${stack.node.path} holds no LambdaInvokeStep`
      : `Stack ${stack.node.path} holds ${steps.length} LambdaInvokeSteps (${steps.map(step => step.node.path).join(', ')}): pass the one to run`);
  }
  return steps[0];
}

function findAction(template: any, functionLogicalId: string): SynthesizedStep['action'] {
  const actions = Object.values<any>(template.Resources)
    .filter(resource => resource.Type === 'AWS::CodePipeline::Pipeline')
    .flatMap(pipeline => pipeline.Properties.Stages.flatMap((stage: any) => stage.Actions))
    .filter((action: any) => action.Configuration?.FunctionName?.Ref === functionLogicalId);
  const action = actions[0];
  return action && {
    name: action.Name,
    configuration: action.Configuration,
    inputArtifacts: (action.InputArtifacts ?? []).map((artifact: any) => artifact.Name),
    outputArtifacts: (action.OutputArtifacts ?? []).map((artifact: any) => artifact.Name),
    namespace: action.Namespace,
  };
}
