import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cx_api } from 'aws-cdk-lib';
// Nothing here may load the AWS SDK: the CLI's `list` runs without it.
import { LAMBDA_DEFAULT_MEMORY_MB } from './runners/invoker';
import { runtimeFamilyOf, runtimesRunLocally } from './runtimes';
import { StepRunError } from './step-run-error';
import { STEP_METADATA_TYPE, StepMetadata } from '../common/step-metadata';

/** What the cloud assembly says about a LambdaInvokeStep: the code that would be deployed and how it is invoked. */
export interface SynthesizedStep {
  /** The step's construct path. */
  readonly path: string;
  /** The function's code in the cloud assembly: the bundled asset, a `Code.fromAsset` directory or .zip/.jar file, or inline code written to `index.js` or `index.py` there. */
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
  /** How many times Lambda retries a failed invocation: the function's asynchronous invocation config, or Lambda's default, 2. */
  readonly retryAttempts: number;
  /** Whether the function's on-failure destination is the step's failure reporter. */
  readonly failureReporter: boolean;
  /**
   * The function's layers in order: a layer of the app's own has its content in the cloud assembly
   * (`directory`); one given by ARN (`arn`) has not, and a local run needs a directory for it.
   */
  readonly layers: ReadonlyArray<{ readonly arn: string; readonly directory?: string }>;
  /** The pipeline action that invokes the function, when the assembly holds one. */
  readonly action?: {
    readonly name: string;
    /** `<pipeline path>/<stage>/<action>`, another way to name the step. */
    readonly path: string;
    readonly configuration: any;
    readonly inputArtifacts: string[];
    readonly outputArtifacts: string[];
    /** The action's variables namespace, when it has one. */
    readonly namespace?: string;
  };
}

/** A step as the assembly's manifest marks it, before its function is looked at. */
export interface StepInAssembly {
  readonly path: string;
  /** The hierarchical id of the stack whose manifest marks the step. */
  readonly stack: string;
  readonly metadata: StepMetadata;
}

/** Whether a local run can start a function on `runtime`. */
export function runsLocally(runtime: string | undefined): boolean {
  return runtimeFamilyOf(runtime) !== undefined;
}

/** Every stack of the assembly and of the stages nested in it. */
function stacksOf(assembly: cx_api.CloudAssembly): cx_api.CloudFormationStackArtifact[] {
  return [...assembly.stacks, ...assembly.nestedAssemblies.flatMap(nested => stacksOf(nested.nestedAssembly))];
}

/** Every LambdaInvokeStep the assembly's manifests mark, in the order of their stacks. */
export function stepsIn(assembly: cx_api.CloudAssembly): StepInAssembly[] {
  return stacksOf(assembly).flatMap(stack => stack.findMetadataByType(STEP_METADATA_TYPE)
    .map(entry => ({ path: entry.path.replace(/^\//, ''), stack: stack.hierarchicalId, metadata: entry.data as unknown as StepMetadata })));
}

/** Reads a step's function from the assembly: where its code is, how Lambda would run it, and the action that invokes it. */
export function describeStep(assembly: cx_api.CloudAssembly, step: StepInAssembly): SynthesizedStep {
  const { metadata } = step;
  if (metadata.imported) {
    throw new StepRunError(`${step.path} runs ${metadata.functionPath}, a function imported into the app: its code is not in the cloud assembly, `
      + 'so it cannot be run locally. Run its handler with runStep, or a stand-in handler that does what it does');
  }
  const stacks = stacksOf(assembly);
  const functionStack = stacks.find(stack => stack.hierarchicalId === metadata.functionStack)!;
  const logicalId = metadata.functionLogicalId!;
  const properties = functionStack.template.Resources[logicalId].Properties;
  if (!runsLocally(properties.Runtime)) {
    throw new StepRunError(`${step.path} runs ${metadata.functionPath} on ${properties.Runtime ?? 'a container image'}, and a local run starts only `
      + `${runtimesRunLocally()}: run the step's logic with runStep and a Node.js stand-in handler instead`);
  }
  const functionName = typeof properties.FunctionName === 'string' ? properties.FunctionName : undefined;
  const invokedName = functionName ?? generatedFunctionName(functionStack.stackName, logicalId);
  return {
    path: step.path,
    assetDirectory: codeDirectory(functionStack.assembly, properties.Code, properties.Runtime, step.path),
    memoryMb: properties.MemorySize ?? LAMBDA_DEFAULT_MEMORY_MB,
    handler: properties.Handler,
    environment: Object.fromEntries(Object.entries<unknown>(properties.Environment?.Variables ?? {})
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
    timeoutMillis: (properties.Timeout ?? 3) * 1000,
    // An alias or version is invoked as <name>:<qualifier>, and its action's event says so.
    functionName: metadata.qualifier ? `${invokedName}:${metadata.qualifier}` : invokedName,
    runtime: properties.Runtime,
    ...asyncInvocation(functionStack, logicalId, metadata),
    layers: (properties.Layers ?? []).map((layer: unknown) => layerOf(functionStack, layer, step.path)),
    action: findAction(stacks, step, functionStack, logicalId, functionName),
  };
}

/** Lambda's default for a function without an asynchronous invocation config (MaximumRetryAttempts). */
const LAMBDA_DEFAULT_RETRY_ATTEMPTS = 2;

/**
 * The function's asynchronous invocation config as the template gives it (the qualifier's own for an
 * alias or version): its retries, and whether its on-failure destination is the step's failure reporter.
 */
function asyncInvocation(stack: cx_api.CloudFormationStackArtifact, logicalId: string, metadata: StepMetadata): Pick<SynthesizedStep, 'retryAttempts' | 'failureReporter'> {
  const configs = Object.values<any>(stack.template.Resources ?? {})
    .filter(resource => resource.Type === 'AWS::Lambda::EventInvokeConfig' && resource.Properties?.FunctionName?.Ref === logicalId)
    .map(resource => resource.Properties);
  // An alias's or version's config names its qualifier as text, or as a token (aws-cdk-lib takes it from the ARN).
  const config = configs.find(candidate => candidate.Qualifier === (metadata.qualifier ?? '$LATEST'))
    ?? configs.find(candidate => typeof candidate.Qualifier !== 'string');
  const destination = config?.DestinationConfig?.OnFailure?.Destination?.['Fn::GetAtt']?.[0];
  return {
    retryAttempts: config?.MaximumRetryAttempts ?? LAMBDA_DEFAULT_RETRY_ATTEMPTS,
    failureReporter: metadata.failureReporterLogicalId !== undefined && destination === metadata.failureReporterLogicalId,
  };
}

/**
 * Where the function's code is in the cloud assembly: its file asset (a bundle or a `Code.fromAsset`
 * directory), or inline code (`Code.fromInline`) written as CloudFormation deploys it, in `index.js` or `index.py`.
 */
function codeDirectory(assembly: cx_api.CloudAssembly, code: any, runtime: string, stepPath: string): string {
  if (typeof code?.ZipFile === 'string') {
    const directory = path.join(assembly.directory, `inline-code.${createHash('sha256').update(code.ZipFile).digest('hex').slice(0, 16)}`);
    fs.mkdirSync(directory, { recursive: true });
    const inlineFile = runtimeFamilyOf(runtime)?.inlineFile;
    if (!inlineFile) {
      throw new StepRunError(`${stepPath}'s function has inline code on ${runtime}, which Lambda takes only for Node.js and Python`);
    }
    fs.writeFileSync(path.join(directory, inlineFile), code.ZipFile);
    return directory;
  }
  return fileAsset(assembly, code, stepPath);
}

/** Where a file asset (a function's code, a layer's content) is in the cloud assembly: a directory, or a .zip or .jar file. */
function fileAsset(assembly: cx_api.CloudAssembly, location: any, what: string): string {
  const assetHash = String(location?.S3Key ?? '').replace(/\.(zip|jar)$/, '');
  const source = assembly.artifacts
    .filter((artifact): artifact is cx_api.AssetManifestArtifact => artifact instanceof cx_api.AssetManifestArtifact)
    .map(manifest => JSON.parse(fs.readFileSync(manifest.file, 'utf8')).files?.[assetHash]?.source)
    .find(found => found?.path);
  if (!source) {
    throw new StepRunError(`The cloud assembly has no file asset ${assetHash || '(none)'} for ${what}: was bundling skipped (context aws:cdk:bundling-stacks)?`);
  }
  return path.join(assembly.directory, source.path);
}

/**
 * One of the function's layers as its template names it: a LayerVersion of its stack (its content
 * is an asset of the assembly), or a layer version ARN. An ARN built from tokens is written with
 * CloudFormation's pseudo parameters as `${AWS::Region}`, the name a run maps a directory to.
 */
function layerOf(stack: cx_api.CloudFormationStackArtifact, layer: any, stepPath: string): { arn: string; directory?: string } {
  const resource = layer?.Ref !== undefined ? stack.template.Resources?.[layer.Ref] : undefined;
  if (resource?.Type === 'AWS::Lambda::LayerVersion') {
    return { arn: `${stack.hierarchicalId}/${layer.Ref}`, directory: fileAsset(stack.assembly, resource.Properties?.Content, `${stepPath}'s layer ${layer.Ref}`) };
  }
  return { arn: templateText(layer) };
}

/** A template value as text: strings as they are, Fn::Join joined, Ref and other intrinsics as `${...}`. */
function templateText(value: any): string {
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value?.['Fn::Join'])) {
    const [separator, parts] = value['Fn::Join'];
    return (parts as unknown[]).map(templateText).join(separator);
  }
  if (value?.Ref !== undefined) {
    return `\${${value.Ref}}`;
  }
  return `\${${JSON.stringify(value)}}`;
}

/** A physical name as CloudFormation generates one for a function without FunctionName (at most 64 characters). */
function generatedFunctionName(stackName: string, logicalId: string): string {
  const suffix = randomBytes(9).toString('base64').replace(/[^A-Za-z0-9]/g, 'X').toUpperCase().slice(0, 12);
  return `${stackName.slice(0, 25)}-${logicalId.slice(0, 25)}-${suffix}`;
}

/**
 * The first pipeline action invoking the step's function: in the step's stack by the FunctionName the
 * step gave it (an alias or version included), in the function's stack by reference, by name anywhere.
 */
function findAction(
  stacks: cx_api.CloudFormationStackArtifact[], step: StepInAssembly,
  functionStack: cx_api.CloudFormationStackArtifact, logicalId: string, functionName?: string,
): SynthesizedStep['action'] {
  const invokedByStep = JSON.stringify(step.metadata.invokedFunctionName);
  for (const stack of stacks) {
    for (const [pipelineId, pipeline] of Object.entries<any>(stack.template.Resources ?? {})) {
      if (pipeline.Type !== 'AWS::CodePipeline::Pipeline') {
        continue;
      }
      for (const stage of pipeline.Properties.Stages) {
        const action = stage.Actions.find((candidate: any) => {
          const invoked = candidate.Configuration?.FunctionName;
          return (stack.hierarchicalId === step.stack && invokedByStep !== undefined && JSON.stringify(invoked) === invokedByStep)
            || (stack === functionStack && invoked?.Ref === logicalId && !step.metadata.qualifier)
            || (functionName !== undefined && invoked === functionName);
        });
        if (action) {
          const pipelinePath = String(pipeline.Metadata?.['aws:cdk:path'] ?? `${stack.hierarchicalId}/${pipelineId}`).replace(/\/Resource$/, '');
          return {
            name: action.Name,
            path: `${pipelinePath}/${stage.Name}/${action.Name}`,
            configuration: action.Configuration,
            inputArtifacts: (action.InputArtifacts ?? []).map((artifact: any) => artifact.Name),
            outputArtifacts: (action.OutputArtifacts ?? []).map((artifact: any) => artifact.Name),
            namespace: action.Namespace,
          };
        }
      }
    }
  }
  return undefined;
}
