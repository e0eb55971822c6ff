import { Aspects, Duration, Lazy, PhysicalName, Stack, aws_lambda as lambda, aws_lambda_nodejs as nodejs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { traceFunction } from './function-tracing';
import { markNamedByStep } from './lambda-function';
import { checkVpcReachability } from './vpc-reachability';
import { DECLARED_OUTPUT_VARIABLES_ENV } from '../common/wire-format';

const DEFAULT_TIMEOUT = Duration.minutes(5);

/**
 * The function's memory unless functionProps gives one, from `npm run bench`'s cost figures (docs/performance.md,
 * "Memory and cost"), where Lambda gives CPU in proportion to memory and bills GB-seconds. With
 * artifacts, one vCPU: the source-tree copy took 5.5 s and 9.6 GB-s at 1,769 MB, 22 s and 11 GB-s at
 * 512 MB, and 230 s and 29 GB-s at 128 MB. Without, a step that only reports cost least at 512 MB
 * (0.11 s, 0.054 GB-s; 0.60 s and 0.075 GB-s at 128 MB). Both pass cdk-nag's
 * Serverless-LambdaDefaultMemorySize.
 */
export const DEFAULT_MEMORY_MB = { withArtifacts: 1769, withoutArtifacts: 512 } as const;

export interface BundledFunctionOptions {
  readonly entry: string;
  readonly functionProps?: nodejs.NodejsFunctionProps;
  readonly asyncInvokeConfig?: lambda.EventInvokeConfigOptions;
  readonly outputVariables?: string[];
  /** Whether an action of the step reads or writes artifacts, so the function needs S3; asked at synthesis. */
  readonly usesArtifacts: () => boolean;
}

/**
 * The newest Node.js runtime the installed aws-cdk-lib names (nodejs24.x at the floor, 2.224;
 * nodejs26.x from 2.278). cdk-nag's AwsSolutions-L1 and Serverless-LambdaLatestVersion compare a
 * function's runtime with exactly that list, so a fixed default would become a finding, an error
 * in the AWS Solutions pack, the day aws-cdk-lib names a newer one.
 */
export function newestNodejsRuntime(): lambda.Runtime {
  const major = (runtime: lambda.Runtime) => Number(/^nodejs(\d+)\.x$/.exec(runtime.name)?.[1] ?? 0);
  return lambda.Runtime.ALL
    .filter(runtime => runtime.family === lambda.RuntimeFamily.NODEJS && !runtime.isVariable && major(runtime) > 0)
    .reduce((newest, runtime) => major(runtime) > major(newest) ? runtime : newest);
}

/** The step's `NodejsFunction`, bundled from `entry`, with the step's defaults and what the runtime reads. */
export function bundleFunction(step: Construct, options: BundledFunctionOptions): nodejs.NodejsFunction {
  const functionProps = options.functionProps ?? {};
  // Tracing is turned on below, with its permission in a policy of the step's own (ADOT instrumentation
  // turns it on itself, so then aws-cdk-lib does it all).
  const ownTracing = functionProps.adotInstrumentation === undefined ? functionProps.tracing : undefined;
  const fn = new nodejs.NodejsFunction(step, 'Function', {
    runtime: newestNodejsRuntime(),
    timeout: DEFAULT_TIMEOUT,
    // At synthesis, when the action's artifacts are known (CDK Pipelines gives them after the step is made).
    memorySize: Lazy.number({ produce: () => options.usesArtifacts() ? DEFAULT_MEMORY_MB.withArtifacts : DEFAULT_MEMORY_MB.withoutArtifacts }),
    // A pipeline in another account or region names the function in its action: only then is a name generated.
    functionName: PhysicalName.GENERATE_IF_NEEDED,
    ...functionProps,
    ...(ownTracing !== undefined && { tracing: undefined }),
    entry: options.entry,
    environment: {
      ...functionProps.environment,
      ...(options.outputVariables && { [DECLARED_OUTPUT_VARIABLES_ENV]: Stack.of(step).toJsonString(options.outputVariables) }),
    },
    ...options.asyncInvokeConfig,
  });
  if (functionProps.functionName === undefined) {
    markNamedByStep(fn);
  }
  if (ownTracing !== undefined) {
    traceFunction(step, fn, ownTracing);
  }
  const vpc = functionProps.vpc;
  if (vpc) {
    // At synthesis, so that endpoints and NAT routes added after the step count.
    Aspects.of(step).add({
      visit: node => {
        if (node === step) {
          checkVpcReachability(step, vpc, functionProps.vpcSubnets, options.usesArtifacts);
        }
      },
    });
  }
  return fn;
}
