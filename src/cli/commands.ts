import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cx_api } from 'aws-cdk-lib';
import type * as Artifacts from '../runtime/artifacts';
import {
  ArtifactSource, describeSeconds, describeStep, loadStepRunner, missingSdkPackages, pipelineVariablesIn, RunnerOptions, runsLocally,
  SDK_INSTALL_COMMAND, StepInAssembly, StepRun, StepRunError, StepRunOptions, stepsIn, SynthesizedStep,
} from '../testing/cli-surface';

/**
 * One command that runs the CLI with what `run` needs, in a project of any language: npx installs
 * the named packages side by side, where the CLI finds them.
 */
export const NPX_COMMAND = 'npx -p cdk-lambda-invoke-step -p @aws-sdk/client-codepipeline -p @aws-sdk/client-s3 cdk-lambda-invoke-step';

/** A mistake in how the CLI was called, or in what it was given: exit code 2, with the message. */
export class UsageError extends Error {
  public override readonly name = 'UsageError';
}

export interface RunCommandOptions extends Omit<RunnerOptions, 'runtime'> {
  readonly app: string;
  readonly step: string;
  readonly input?: string[];
  readonly outputDir?: string;
  readonly userParameters?: string;
  readonly variable?: string[];
  readonly layer?: string[];
  readonly event?: string;
  readonly timeout?: string;
  readonly json?: boolean;
}

/** The steps of the assembly, one block each: both ways to name it, its runtime, whether it runs locally. */
export function listSteps(app: string): string {
  const { assembly, cleanUp } = loadAssembly(app);
  try {
    const steps = stepsIn(assembly);
    if (steps.length === 0) {
      return `The cloud assembly ${app} holds no LambdaInvokeStep.\n`;
    }
    return steps.map(step => {
      const described = tryDescribe(assembly, step);
      const runtime = typeof described === 'string' ? undefined : described.runtime;
      return [
        step.path,
        `  action:   ${typeof described === 'string' ? '(unknown)' : described.action?.path ?? 'none: the step is in no pipeline of this assembly'}`,
        `  function: ${step.metadata.functionPath}${runtime ? ` (${runtime})` : ''}`,
        `  local run: ${typeof described === 'string' ? `no: ${described}` : 'yes'}`,
        ...(typeof described === 'string' ? [] : whatRunNeeds(described)),
      ].join('\n');
    }).join('\n\n') + '\n';
  } finally {
    cleanUp();
  }
}

/** What `run` must be given for the step's action: its input artifacts, and the variables its UserParameters use. */
function whatRunNeeds(step: SynthesizedStep): string[] {
  const inputs = step.action?.inputArtifacts ?? [];
  const userParameters = step.action?.configuration.UserParameters;
  const variables = typeof userParameters === 'string' ? pipelineVariablesIn(userParameters) : [];
  return [
    ...(inputs.length > 0 ? [`  inputs:   ${inputs.join(', ')} (--input <name>=<directory or .zip>)`] : []),
    ...(variables.length > 0 ? [`  variables: ${variables.join(', ')} (--variable <namespace.name>=<value>)`] : []),
  ];
}

/** Runs one step, prints progress to stderr and the summary (or JSON) to stdout, and returns the exit code. */
export async function runStepCommand(options: RunCommandOptions): Promise<number> {
  const missing = missingSdkPackages();
  if (missing.length > 0) {
    throw new UsageError(`run needs ${missing.join(', ')} (the AWS SDK the Lambda runtime provides to deployed functions), which are not installed here. `
      + `Run the CLI with them: ${NPX_COMMAND} run ... (or ${SDK_INSTALL_COMMAND} in a Node.js project)`);
  }
  // Loaded here, not at the top: it loads the AWS SDK, which `list` must not need.
  const runDescribedStep = loadStepRunner();
  const inputs = await collectInputs(options.input ?? []);
  const { assembly, cleanUp } = loadAssembly(options.app);
  try {
    const found = findStep(assembly, options.step);
    const progress = (message: string) => process.stderr.write(`${message}\n`);
    progress(`Running ${found.path} locally: S3 and CodePipeline are endpoints on 127.0.0.1, no AWS account is reached, every credential is made up.`);
    let run: StepRun;
    try {
      run = await runDescribedStep(found, runOptions(options, inputs, progress));
    } catch (error) {
      if (!(error instanceof StepRunError)) {
        throw error;
      }
      // The function's logs only when it ran: a refusal before it started has none to show.
      process.stdout.write(options.json
        ? `${JSON.stringify({ outcome: 'no result', error: error.message, logs: error.logs })}\n`
        : `${error.message}\n${error.logs ? logLines(error.logs) : ''}`);
      return 2;
    }
    const written = options.outputDir ? writeOutputs(run, options.outputDir) : [];
    process.stdout.write(options.json ? `${JSON.stringify(jsonSummary(run))}\n` : summary(run, written));
    return run.outcome === 'succeeded' ? 0 : 1;
  } finally {
    cleanUp();
  }
}

/** A directory with a manifest as it is; anything else as a command that synthesizes into a directory of ours. */
function loadAssembly(app: string): { assembly: cx_api.CloudAssembly; cleanUp: () => void } {
  if (fs.existsSync(path.join(app, 'manifest.json'))) {
    return { assembly: readAssembly(app), cleanUp: () => undefined };
  }
  if (fs.existsSync(app)) {
    throw new UsageError(`--app ${app} is a path without a manifest.json: give a cloud assembly directory (cdk.out), or a command that synthesizes one`);
  }
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-lambda-invoke-step-'));
  // As the CDK CLI runs an app: a shell command, told where to write by CDK_OUTDIR; its output is not ours.
  const synth = spawnSync(app, { shell: true, env: { ...process.env, CDK_OUTDIR: outdir }, stdio: ['ignore', 2, 2] });
  if (synth.status !== 0 || !fs.existsSync(path.join(outdir, 'manifest.json'))) {
    fs.rmSync(outdir, { recursive: true, force: true });
    throw new UsageError(`--app '${app}' did not synthesize a cloud assembly (exit code ${synth.status ?? synth.signal}): it must write one to $CDK_OUTDIR, as \`cdk synth\` asks apps to`);
  }
  try {
    return { assembly: readAssembly(outdir), cleanUp: () => fs.rmSync(outdir, { recursive: true, force: true }) };
  } catch (error) {
    fs.rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The CLI reads an assembly with the aws-cdk-lib installed beside it, which refuses the manifests of
 * a newer one (an app in another language brings its own aws-cdk-lib): that error names the CDK CLI's
 * version, so it is said again in terms of this CLI.
 */
function readAssembly(directory: string): cx_api.CloudAssembly {
  try {
    return new cx_api.CloudAssembly(directory);
  } catch (error) {
    const message = (error as Error).message;
    if (/schema version/i.test(message)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const readerVersion: string = require('aws-cdk-lib/package.json').version;
      throw new UsageError(`The cloud assembly in ${directory} was made by a newer aws-cdk-lib than the ${readerVersion} that `
        + `cdk-lambda-invoke-step reads it with (${message}): install the app's aws-cdk-lib version, or a later one, beside cdk-lambda-invoke-step`);
    }
    throw error;
  }
}

function tryDescribe(assembly: cx_api.CloudAssembly, step: StepInAssembly): SynthesizedStep | string {
  try {
    const described = describeStep(assembly, step);
    return runsLocally(described.runtime) ? described : `runtime ${described.runtime}`;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The step named by its construct path or its action's path; else the list of names there are. */
function findStep(assembly: cx_api.CloudAssembly, name: string): SynthesizedStep {
  const steps = stepsIn(assembly);
  const byPath = steps.find(step => step.path === name);
  if (byPath) {
    return describeStep(assembly, byPath);
  }
  const described = steps.map(step => tryDescribe(assembly, step));
  const byAction = described.find((step): step is SynthesizedStep => typeof step !== 'string' && step.action?.path === name);
  if (byAction) {
    return byAction;
  }
  const names = steps.map((step, index) => {
    const action = described[index];
    return `  ${step.path}${typeof action !== 'string' && action.action ? ` (action ${action.action.path})` : ''}`;
  });
  throw new UsageError(`--step ${name} names no LambdaInvokeStep of the assembly. Its steps:\n${names.join('\n') || '  none'}`);
}

/** `--input Name=path`: a directory as it is, a .zip read into its files with the runtime's zip reader (CRC-32, duplicate and zip-slip checks). */
async function collectInputs(values: string[]): Promise<Record<string, ArtifactSource>> {
  const artifacts: Record<string, ArtifactSource> = {};
  for (const value of values) {
    const [name, file] = splitPair('--input', value, 'Name=<directory or .zip>');
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      artifacts[name] = path.resolve(file);
    } else if (stat?.isFile() && file.endsWith('.zip')) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand: it loads the AWS SDK
      const { readZip }: typeof Artifacts = require('../runtime/artifacts');
      artifacts[name] = await readZip(file).catch((error: Error) => {
        throw new UsageError(`--input ${value}: ${file} is not a zip the step could read: ${error.message}`);
      });
    } else {
      throw new UsageError(`--input ${value}: ${file} is ${stat ? 'neither a directory nor a .zip file' : 'not there'}`);
    }
  }
  return artifacts;
}

function runOptions(options: RunCommandOptions, inputs: Record<string, ArtifactSource>, onProgress: (message: string) => void): StepRunOptions {
  const { python, pythonRuntimeClient, java, mavenRepository } = options;
  const timeoutSeconds = options.timeout === undefined ? undefined : Number(options.timeout);
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) {
    throw new UsageError(`--timeout must be a number of seconds above 0, got '${options.timeout}'`);
  }
  return {
    ...(options.event !== undefined && { event: readEvent(options.event) }),
    inputArtifacts: inputs,
    ...(options.userParameters !== undefined && { userParameters: options.userParameters }),
    variables: Object.fromEntries((options.variable ?? []).map(value => splitPair('--variable', value, 'namespace.name=value'))),
    layers: Object.fromEntries((options.layer ?? []).map(value => {
      // An ARN holds colons and no `=`, so the first `=` ends it.
      const [arn, directory] = splitPair('--layer', value, '<layer version ARN>=<directory>');
      return [arn, path.resolve(directory)];
    })),
    python,
    pythonRuntimeClient,
    java,
    mavenRepository,
    ...(timeoutSeconds !== undefined && { timeoutMillis: timeoutSeconds * 1000 }),
    onProgress,
  };
}

/** `--event <file>`: a JSON job event; the run checks its fields. */
function readEvent(file: string): unknown {
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
    throw new UsageError(`--event ${file}: the file is not there`);
  }
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--event ${file} is not JSON: ${(error as Error).message}`);
  }
}

function splitPair(option: string, value: string, form: string): [string, string] {
  const equals = value.indexOf('=');
  if (equals < 1) {
    throw new UsageError(`${option} takes ${form}, got '${value}'`);
  }
  return [value.slice(0, equals), value.slice(equals + 1)];
}

/** Writes each output artifact under `<dir>/<name>/`; a file name leading outside it is refused. */
function writeOutputs(run: StepRun, directory: string): string[] {
  const written: string[] = [];
  for (const [name, files] of Object.entries(run.outputArtifacts)) {
    const root = path.resolve(directory, name);
    for (const [file, content] of Object.entries(files)) {
      const target = path.resolve(root, file);
      if (!target.startsWith(root + path.sep)) {
        throw new UsageError(`Output artifact ${name} holds ${file}, which would be written outside ${root}`);
      }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
      written.push(target);
    }
  }
  return written;
}

function summary(run: StepRun, written: string[]): string {
  return [
    `outcome: ${run.outcome} after ${run.invocations} invocation${run.invocations === 1 ? '' : 's'}`,
    `runtime client: ${run.runtimeClient}`,
    ...run.failureDetails ? [`failure (${run.failureDetails.type}): ${run.failureDetails.message}`] : [],
    ...run.failureReport ? [`reported by: the step's failure reporter, about ${describeSeconds(run.failureReport.approximateSecondsAfterStart)} after the action started in a pipeline`] : [],
    ...run.executionDetails?.summary ? [`summary: ${run.executionDetails.summary}`] : [],
    `output variables: ${Object.entries(run.outputVariables).map(([name, value]) => `${name} = ${value}`).join(', ') || 'none'}`,
    ...Object.entries(run.outputArtifacts).map(([name, files]) =>
      `output artifact ${name}: ${Object.entries(files).map(([file, content]) => `${file} (${content.length} bytes)`).join(', ') || 'empty'}`),
    // As Lambda's REPORT line gives them.
    `memory size: ${run.memory.sizeMb} MB, max memory used: ${run.memory.peakMb === undefined ? 'not measured' : `${run.memory.peakMb} MB`}`,
    ...written.length > 0 ? [`written: ${written.join(', ')}`] : [],
    ...run.credentialLeaks.map(leak => `leak: ${JSON.stringify(leak)}`),
    ...run.warnings.map(warning => `note: ${warning}`),
  ].join('\n') + '\n' + logLines(run.logs);
}

/** The log lines, numbered as a leak names them ("log line 3"); a line holding line breaks keeps its one number. */
function logLines(logs: string[]): string {
  if (logs.length === 0) {
    return 'the function logged nothing\n';
  }
  const width = String(logs.length).length;
  const numbered = logs.map((line, index) => line.split('\n')
    .map((part, partIndex) => `  ${(partIndex === 0 ? String(index + 1) : '').padStart(width)} | ${part}`).join('\n'));
  return `the function's log lines (secrets redacted):\n${numbered.join('\n')}\n`;
}

function jsonSummary(run: StepRun) {
  return {
    outcome: run.outcome,
    invocations: run.invocations,
    runtimeClient: run.runtimeClient,
    memory: run.memory,
    failureDetails: run.failureDetails,
    failureReport: run.failureReport,
    executionDetails: run.executionDetails,
    outputVariables: run.outputVariables,
    outputArtifacts: Object.fromEntries(Object.entries(run.outputArtifacts)
      .map(([name, files]) => [name, Object.entries(files).map(([file, content]) => ({ path: file, bytes: content.length }))])),
    logs: run.logs,
    credentialLeaks: run.credentialLeaks,
    warnings: run.warnings,
  };
}
