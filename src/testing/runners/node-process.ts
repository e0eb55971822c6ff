import * as path from 'path';
import { inChildProcess } from './child-process';
import type { NodeRuntime } from '../invoke-like-lambda';
import type { Invoker } from './invoker';
import { FunctionDescription, lambdaRuntimeEnvironment } from './lambda-environment';
import { StepRunError } from '../step-run-error';

/** The Lambda Node.js runtime in a process of its own: bundled-handler-runner loading the handler from the code directory. */
export function inNodeProcess(fn: FunctionDescription): Invoker {
  const nodePath = sdkNodeModules();
  const runner = runnerArguments();
  return inChildProcess(({ environment }) => ({
    command: process.execPath,
    args: runner,
    environment: {
      ...lambdaRuntimeEnvironment(fn, environment),
      // Layers first, then the SDK, as Lambda's NODE_PATH puts /opt/nodejs before the runtime's own modules.
      NODE_PATH: [fn.layerEnvironment?.NODE_PATH, nodePath].filter(Boolean).join(path.delimiter),
      LOCAL_STEP_ASSET: fn.codeDirectory,
      LOCAL_STEP_HANDLER: fn.handler,
    },
    channel: 'ipc',
  }));
}

/**
 * How to start bundled-handler-runner: its compiled JavaScript in the installed package; from this
 * repository's TypeScript sources (its own tests and main job), through ts-node.
 */
function runnerArguments(): string[] {
  const runner = require.resolve('../bundled-handler-runner');
  return runner.endsWith('.ts') ? ['-r', require.resolve('ts-node/register/transpile-only'), runner] : [runner];
}

/** The node_modules holding the AWS SDK, which bundles leave out as the Lambda runtime provides it. */
function sdkNodeModules(): string {
  try {
    return path.resolve(path.dirname(require.resolve('@aws-sdk/client-s3/package.json')), '..', '..');
  } catch {
    throw new StepRunError('Running a bundled step needs @aws-sdk/client-codepipeline and @aws-sdk/client-s3 installed (the Lambda runtime provides them; bundles leave them out)');
  }
}


/** Said when the handler ran on another Node.js major than its runtime's: features and built-ins may differ. */
export function nodeVersionWarning(runtime: NodeRuntime): string | undefined {
  const runtimeMajor = runtime.replace(/^nodejs(\d+)\.x$/, '$1');
  return process.versions.node.split('.')[0] === runtimeMajor ? undefined
    : `The function's runtime is ${runtime}, but the handler ran on Node.js ${process.versions.node}, the Node.js running this harness: `
      + `language features and built-in modules differ between majors, so run the harness on Node.js ${runtimeMajor} to match Lambda`;
}
