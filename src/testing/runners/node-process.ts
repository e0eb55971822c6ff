import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inChildProcess } from './child-process';
import type { NodeRuntime } from '../invoke-like-lambda';
import type { Invoker } from './invoker';
import { FunctionDescription, lambdaRuntimeEnvironment } from './lambda-environment';
import { StepRunError } from '../step-run-error';

/** The Lambda Node.js runtime in a process of its own: bundled-handler-runner loading the handler from the code directory. */
export function inNodeProcess(fn: FunctionDescription): Invoker {
  const nodePath = sdkNodeModules();
  const args = [...lambdaNodeFlags(fn.memoryMb), ...runnerArguments()];
  return inChildProcess(({ environment }) => ({
    command: process.execPath,
    args,
    memoryMb: fn.memoryMb,
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
 * The flags Lambda's Node.js runtime starts node with (its bootstrap script in the base images): gc
 * exposed, and heap limits from the memory size, 5% of it for new space and 90% for old space.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  return ['--expose-gc', `--max-semi-space-size=${Math.floor(memoryMb / 20)}`, `--max-old-space-size=${memoryMb - Math.floor(memoryMb / 10)}`];
}

/**
 * How to start bundled-handler-runner: its compiled JavaScript in the installed package. This
 * repository's own runs (its tests, its main job) have only its TypeScript source, which is bundled
 * once per process with esbuild, so that the runner's process is as small as the installed one's:
 * it is held to the function's memory size, and ts-node alone would take most of 128 MB.
 */
function runnerArguments(): string[] {
  const runner = require.resolve('../bundled-handler-runner');
  return [runner.endsWith('.ts') ? compiledRunner(runner) : runner];
}

let compiled: string | undefined;

function compiledRunner(source: string): string {
  if (!compiled || !fs.existsSync(compiled)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies -- only this repository runs the runner from source, and it has esbuild
    const { buildSync } = require('esbuild') as typeof import('esbuild');
    const outfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bundled-handler-runner-')), 'bundled-handler-runner.js');
    buildSync({ entryPoints: [source], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile, logLevel: 'error' });
    compiled = outfile;
  }
  return compiled;
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
