import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describeLeaks, findCredentialLeaks } from './credential-leaks';
import type { CredentialLeak } from './credential-leaks';
import { LoopbackCodePipeline, RecordedCall } from './endpoints/codepipeline';
import { loopbackFunctionEnvironment } from './endpoints/function-environment';
import { LoopbackS3Endpoint, StoredObjectInfo } from './endpoints/s3';
import { LOCAL_REGION, loopbackS3ClientConfig } from './endpoints/s3-client';
import type { KnownCredentials } from './endpoints/sigv4';
import { recordedError, runFailureReporter } from './failure-reporting';
import { layersDirectory, unpackedCode } from './function-code';
import { NODE_RUNTIMES, type NodeRuntime } from './invoke-like-lambda';
import { PIPELINE_VARIABLE, buildJobEvent, checkGivenEvent, madeUpCredentials, madeUpRevision } from './job-event';
import { FailureReport, MAX_RETRY_ATTEMPTS, describeSeconds, secondsToReport } from './lambda-retries';
import { newestNodejsRuntime } from '../private/bundled-function';
import { FunctionError, InvocationEnd, InvocationNotes, Invoker, LAMBDA_DEFAULT_MEMORY_MB, LATE_CALL_GRACE_MILLIS } from './runners/invoker';
import { exclusively, inProcess } from './runners/node-in-process';
import { nodeVersionWarning } from './runners/node-process';
import { layerEnvironment, runtimeFamilyOf, runtimesRunLocally, type RunnerOptions, type StartedRunner } from './runtimes';
import { StepRunError } from './step-run-error';
import { readZip } from '../runtime/artifacts';
import type { PipelineJobLambdaHandler } from '../runtime/handler';
import { redact } from '../runtime/redact';
import type { ArtifactFiles } from '../runtime/types';
import { writeZip } from '../runtime/zip-writer';

export { StepRunError };

/** CodePipeline action reference, Lambda invoke action: input and output artifacts, each. Kept apart from the runtime's limits on purpose. */
const MAX_ARTIFACTS_PER_ACTION = 5;

/** An artifact's files: a map of path → content, or a directory. */
export type ArtifactSource = ArtifactFiles | string;

/** An S3-compatible server to use instead of the built-in loopback endpoint. */
export interface ExternalS3 {
  readonly endpoint: string;
  /** An existing bucket the harness may write the run's artifacts to. */
  readonly bucket: string;
  /** Credentials the server accepts; they are also given to the step as the job's artifact credentials. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

export interface StepRunOptions extends RunnerOptions {
  /** The action's UserParameters: a string as it is, anything else JSON-encoded. */
  readonly userParameters?: unknown;
  /**
   * Values of the CodePipeline variables the UserParameters use, by name (`'SourceVariables.CommitMessage'`):
   * each `#{name}` is replaced by its value as text, as CodePipeline does before it invokes the function.
   * A variable without a value fails the run, as CodePipeline fails the action.
   */
  readonly variables?: Record<string, string>;
  /** Input artifacts by name (at most 5). */
  readonly inputArtifacts?: Record<string, ArtifactSource>;
  /** Each input artifact's source revision (a commit id, an S3 version). @default a random commit id per artifact */
  readonly inputRevisions?: Record<string, string>;
  /** Names of the output artifacts (at most 5). */
  readonly outputArtifacts?: string[];
  /** Start as a continued job with this token. */
  readonly continuationToken?: string;
  /** A KMS key id for the job's `encryptionKey`. */
  readonly encryptionKeyId?: string;
  /** The Lambda timeout each invocation gets. @default 60000, or the synthesized function's timeout */
  readonly timeoutMillis?: number;
  /** How many invocations to make while the step continues the job. @default 10 */
  readonly maxInvocations?: number;
  /** Environment variables of the function. */
  readonly environment?: Record<string, string>;
  /** The job's account. @default '123456789012' */
  readonly accountId?: string;
  /** The pipeline's artifact bucket. @default 'codepipeline-us-east-1-<accountId>' */
  readonly bucket?: string;
  /** The pipeline's name, which starts every artifact's object key. @default 'local-pipeline' */
  readonly pipelineName?: string;
  /** The action's FunctionName. @default 'local-step', or the synthesized function's name */
  readonly functionName?: string;
  /**
   * The function's memory size. AWS_LAMBDA_FUNCTION_MEMORY_SIZE (and Python's context) report it, and
   * every runner but runStep holds the function's processes to it as Lambda does: one that goes over
   * is stopped, `Runtime.OutOfMemory`. @default 128 (Lambda's default), or the synthesized function's
   */
  readonly memoryMb?: number;
  /**
   * Local directories for the function's layers, each holding what the layer's zip holds (a `.zip` file
   * is unpacked). For a synthesized step, by the layer version ARN its template names: layers from the
   * app's own assets are found in the cloud assembly, and a layer given by ARN (a public layer such as
   * Powertools') runs only when mapped here. For runBundledStep, runPythonStep, runJavaStep and
   * runCustomRuntimeStep, the function's layers in order, by any name.
   * The function finds them as Lambda's /opt: through PATH, LD_LIBRARY_PATH and its language's path.
   */
  readonly layers?: Record<string, string>;
  /** Told what the run does as it goes: each artifact served and received, with its size, and each invocation. */
  readonly onProgress?: (message: string) => void;
  /** Fail the run when a secret of the job shows up in the logs or in a call to CodePipeline. @default true */
  readonly failOnCredentialLeak?: boolean;
  /** Use this S3-compatible server instead of the built-in one. */
  readonly s3?: ExternalS3;
  /**
   * How many times Lambda retries an invocation that failed without reporting (the function's
   * asynchronous invocation config, 0 to 2): the function is run again with the same event.
   * @default 0, a step's default with its failure reporter; or the synthesized function's config (Lambda's 2 without one)
   */
  readonly retryAttempts?: number;
  /**
   * Whether the step's failure reporter fails the job when an invocation fails for good (an error,
   * a crash, a timeout): the run then ends `failed` with the reporter's message, as the pipeline would.
   * Without it, such a run fails as the action would wait 20 minutes for a result.
   * @default true, or whether the synthesized step has one
   */
  readonly failureReporter?: boolean;
  /**
   * Send this CodePipeline job event instead of building one (for example an event from the AWS
   * documentation): its artifact locations and credentials are used as they are, and an
   * `expirationTime` in the past makes S3 refuse them as expired.
   */
  readonly event?: unknown;
}

export type StepOutcome = 'succeeded' | 'failed' | 'continued';

/** What a run of a step did. */
export interface StepRun {
  /** `continued` when the step still continued the job after `maxInvocations` invocations. */
  readonly outcome: StepOutcome;
  readonly invocations: number;
  readonly outputVariables: Record<string, string>;
  readonly executionDetails?: { summary?: string; percentComplete?: number; externalExecutionId?: string };
  readonly failureDetails?: { type: string; message: string; externalExecutionId?: string };
  /** The last continuation token, when the outcome is `continued`. */
  readonly continuationToken?: string;
  /** The files of each output artifact the step wrote. */
  readonly outputArtifacts: Record<string, Record<string, Buffer>>;
  /** How each output artifact was written (known with the built-in S3 endpoint only). */
  readonly outputArtifactEncryption: Record<string, StoredObjectInfo | undefined>;
  /** Every line the handler logged, in order, with the run's secrets replaced by their names. */
  readonly logs: string[];
  /** Every request CodePipeline's endpoint received, accepted or refused (`error`), secrets replaced by their names. */
  readonly calls: RecordedCall[];
  /** Requests the step made after its invocation had ended, which the endpoints refused. */
  readonly lateCalls: string[];
  /** Where the job's secrets showed up (with `failOnCredentialLeak: false`; otherwise the run fails). */
  readonly credentialLeaks: CredentialLeak[];
  /** The first event the step was invoked with (its credentials are the run's, made up). */
  readonly event: any;
  /**
   * Set when the function's invocations failed without reporting and the step's failure reporter failed
   * the job: how many attempts, the last error, and about when a pipeline would see it.
   */
  readonly failureReport?: FailureReport;
  /** The version of Node.js the harness ran on, such as `20.20.2` (a Node.js handler's too). */
  readonly nodeVersion: string;
  /** What ran the handler, such as `awslambdaric 4.2.2 on Python 3.11.7`. */
  readonly runtimeClient: string;
  /**
   * The function's memory size and the most its processes used in any invocation, in MB, as Lambda's
   * REPORT line gives them ("Memory Size", "Max Memory Used"). No peak for runStep, which runs the
   * handler in this process.
   */
  readonly memory: { readonly sizeMb: number; readonly peakMb?: number };
  /** What differed from Lambda in this run and may matter, such as a Node.js major other than the function's runtime. */
  readonly warnings: string[];
}


/** How long the action waits for a result before it fails: CodePipeline's timeout for a Lambda invoke action. */
const ACTION_TIMEOUT = '20 minutes';
const DEFAULT_ACCOUNT = '123456789012';
/** A peak above this share of the memory size is said in the run's warnings. */
const NEAR_MEMORY_LIMIT = 0.9;

/** runStep's handler shares this process's memory, so nothing holds it to the function's memory size. */
const IN_PROCESS_MEMORY = 'runStep runs the handler in this process, where its memory cannot be held to the function\'s memory size or measured: '
  + 'runBundledStep or runSynthesizedStep run it in a process of its own, stopped when it goes over, as Lambda stops it';

/**
 * Runs a step handler end to end on this machine: builds a CodePipeline job event, serves the
 * input artifacts from an S3 endpoint on loopback, receives the CodePipeline calls on another,
 * invokes the handler (again, while it continues the job) and returns what it did. Both endpoints
 * check requests as the services do (signatures, whose credentials, the API model, the job's
 * state). Servers are on random ports of 127.0.0.1 and are stopped before this returns or throws.
 */
export async function runStep(handler: PipelineJobLambdaHandler | ((...args: any[]) => unknown), options: StepRunOptions = {}): Promise<StepRun> {
  const runtime = options.runtime ?? defaultRuntime();
  return exclusively(() => run(async ({ memoryMb, accountId }) => ({
    // The handler is the test's own code, in this process: its task root is where the test runs.
    invoker: inProcess(handler, { handler: 'index.handler', codeDirectory: process.cwd(), memoryMb, accountId, runtime }),
    runtimeClient: `the harness's in-process Node.js runner on Node.js ${process.versions.node}`,
    warnings: [nodeVersionWarning(runtime), IN_PROCESS_MEMORY].filter((warning): warning is string => warning !== undefined),
  }), { ...options, runtime }, runtime));
}

/** Runs a bundled handler (a directory holding `index.js` or, bundled as an ES module, `index.mjs`, as `NodejsFunction` builds) in a Node.js process of its own. */
export async function runBundledStep(assetDirectory: string, handlerName: string, options: StepRunOptions = {}): Promise<StepRun> {
  return runFunction(assetDirectory, handlerName, options.runtime ?? defaultRuntime(), options);
}

/** A function's settings for a runtime other than Node.js: runPythonStep, runJavaStep, runCustomRuntimeStep. */
export interface FunctionStepOptions extends Omit<StepRunOptions, 'runtime'> {
  /** The function's Lambda runtime, such as `python3.13`, `java21` or `provided.al2023`. */
  readonly runtime: string;
}

/** runPythonStep's options, by the name they had before Java and custom runtimes took them too. */
export type PythonStepOptions = FunctionStepOptions;

/**
 * Runs a Python handler (`module.function` in `codeDirectory`) as the Lambda Python runtime does,
 * in a Python process of its own: under awslambdaric, AWS's runtime interface client, when the
 * interpreter has it, else the harness's bootstrap. Every boto3 client stays on loopback.
 */
export async function runPythonStep(codeDirectory: string, handlerName: string, options: PythonStepOptions): Promise<StepRun> {
  return runFunction(codeDirectory, handlerName, options.runtime, options);
}

/**
 * Runs a Java handler (`package.Class::method`, or `package.Class` for a RequestHandler) as Lambda's
 * Java runtimes do: AWS's Java runtime interface client in a JVM of its own, with the code (a
 * directory, or a .jar or .zip file) as its task root and the jars of its `lib/` on the class path.
 */
export async function runJavaStep(code: string, handlerName: string, options: FunctionStepOptions): Promise<StepRun> {
  return runFunction(code, handlerName, options.runtime, options);
}

/**
 * Runs a custom runtime's function (`provided.al2023`, `provided.al2`): the executable `bootstrap` of
 * `codeDirectory` (Go, Rust, a shell script), started with AWS_LAMBDA_RUNTIME_API pointing at a
 * Lambda Runtime API the harness serves on loopback, once per invocation.
 */
export async function runCustomRuntimeStep(codeDirectory: string, handlerName: string, options: FunctionStepOptions): Promise<StepRun> {
  return runFunction(codeDirectory, handlerName, options.runtime, options);
}

/**
 * Runs a function's code on `runtime` with its family's runner (runtimes.ts), the code and layers
 * unpacked as Lambda unpacks them. `layers` are given in order, or picked by runSynthesizedStep.
 */
export async function runFunction(code: string, handler: string, runtime: string, options: Omit<StepRunOptions, 'runtime'>): Promise<StepRun> {
  const family = runtimeFamilyOf(runtime);
  if (!family) {
    throw new StepRunError(`runtime ${runtime} cannot run locally: a local run starts ${runtimesRunLocally()}`);
  }
  const runnerOptions = { ...options, runtime: family.name === 'Node.js' ? runtime as NodeRuntime : undefined };
  return run(async ({ work, memoryMb, accountId }) => {
    const opt = await layersDirectory(Object.values(options.layers ?? {}), work);
    return family.start({
      codeDirectory: await unpackedCode(code, work),
      handler,
      runtime,
      memoryMb,
      accountId,
      layerEnvironment: opt ? layerEnvironment(opt, runtime) : undefined,
    }, runnerOptions, work);
  }, runnerOptions, runtime);
}

/** What every run shares: the options' defaults, the made-up credentials, and the secrets no log may show. */
interface RunContext {
  readonly options: StepRunOptions;
  readonly work: string;
  /** The function's Lambda runtime. */
  readonly runtime: string;
  /** The function's memory size in MB. */
  readonly memoryMb: number;
  readonly accountId: string;
  readonly timeoutMillis: number;
  readonly functionCredentials: ReturnType<typeof madeUpCredentials>;
  readonly reporterCredentials: ReturnType<typeof madeUpCredentials>;
  readonly artifactCredentials: any;
  readonly expiresAt: number;
  readonly secrets: Record<string, string | undefined>;
  /** The given event, or undefined to build one. */
  readonly given?: any;
}

/** The run's loopback services: CodePipeline, and S3 (the built-in endpoint, or the given server through a client). */
interface Endpoints {
  readonly codePipeline: LoopbackCodePipeline;
  readonly builtInS3?: LoopbackS3Endpoint;
  readonly s3?: S3Client;
  readonly s3Endpoint: string;
}

/** How the job's invocations ended: the last result call, and what happened on the way. */
interface Invocations {
  readonly count: number;
  readonly last: RecordedCall;
  readonly failureReport?: FailureReport;
  readonly warnings: string[];
  readonly reporterLogs: string[];
  /** The most memory an invocation used, in MB, when the runner measures it. */
  readonly peakMb?: number;
}

/** A run in phases: check and prepare, start the endpoints and serve the inputs, invoke until a result, collect the outputs. */
async function run(startRunner: (context: RunContext) => Promise<StartedRunner>, options: StepRunOptions, runtime: string): Promise<StepRun> {
  checkOptions(options);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'step-run-'));
  const logs: string[] = [];
  let endpoints: Partial<Endpoints> = {};
  try {
    const context = prepare(options, work, runtime);
    const runner = await startRunner(context);
    const event = context.given ?? buildEvent(context);
    endpoints = await startEndpoints(context, event);
    await serveInputs(context, endpoints as Endpoints, event);
    const invocations = await invokeUntilResult(context, endpoints as Endpoints, runner.invoker, event, logs);
    const { codePipeline, builtInS3 } = endpoints as Endpoints;
    await delay(LATE_CALL_GRACE_MILLIS);
    const leaks = findCredentialLeaks(context.secrets, [...logs, ...invocations.reporterLogs], codePipeline.calls);
    if (leaks.length > 0 && options.failOnCredentialLeak !== false) {
      throw new StepRunError(`The step leaked the job's secrets: ${describeLeaks(leaks)}. Lambda writes every log line to CloudWatch Logs, where anyone who can read the logs could use them; never log the event or its artifactCredentials`, redactAll(logs, context.secrets));
    }
    const outputs = await collectOutputs(context, endpoints as Endpoints, event);
    const { last } = invocations;
    const input = last.input;
    const continued = last.operation === 'PutJobSuccessResult' && !!input.continuationToken;
    return {
      outcome: last.operation === 'PutJobFailureResult' ? 'failed' : continued ? 'continued' : 'succeeded',
      invocations: invocations.count,
      outputVariables: input.outputVariables ?? {},
      executionDetails: input.executionDetails,
      failureDetails: input.failureDetails,
      continuationToken: continued ? input.continuationToken : undefined,
      ...outputs,
      logs: redactAll(logs, context.secrets),
      calls: codePipeline.calls.map(call => ({ ...call, body: redact(call.body, context.secrets) })),
      lateCalls: lateCalls(codePipeline.calls, builtInS3?.lateRequests ?? []),
      credentialLeaks: leaks,
      event,
      failureReport: invocations.failureReport,
      nodeVersion: process.versions.node,
      runtimeClient: runner.runtimeClient,
      memory: { sizeMb: context.memoryMb, peakMb: invocations.peakMb },
      warnings: [...invocations.warnings, ...runner.warnings, ...memoryWarnings(context.memoryMb, invocations.peakMb)],
    };
  } finally {
    endpoints.s3?.destroy();
    await endpoints.codePipeline?.stop();
    await endpoints.builtInS3?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The run's defaults and made-up credentials; a given event's artifact credentials and expirationTime hold. */
function prepare(options: StepRunOptions, work: string, runtime: string): RunContext {
  const functionCredentials = madeUpCredentials();
  const reporterCredentials = madeUpCredentials();
  if (options.event !== undefined) {
    checkGivenEvent(options.event);
  }
  const given = options.event ? structuredClone(options.event) as any : undefined;
  const artifactCredentials = given?.['CodePipeline.job']?.data?.artifactCredentials
    ?? (options.s3 ? { sessionToken: madeUpCredentials().sessionToken, ...options.s3.credentials } : madeUpCredentials());
  // Made-up credentials last an hour, as CodePipeline's do.
  const expiresAt = Number(new Date(artifactCredentials.expirationTime ?? Date.now() + 3_600_000));
  return {
    options,
    work,
    runtime,
    memoryMb: options.memoryMb ?? LAMBDA_DEFAULT_MEMORY_MB,
    accountId: options.accountId ?? DEFAULT_ACCOUNT,
    timeoutMillis: options.timeoutMillis ?? 60_000,
    functionCredentials,
    reporterCredentials,
    artifactCredentials,
    expiresAt,
    given,
    secrets: {
      'artifactCredentials.secretAccessKey': artifactCredentials.secretAccessKey,
      'artifactCredentials.sessionToken': artifactCredentials.sessionToken,
      'AWS_SECRET_ACCESS_KEY': functionCredentials.secretAccessKey,
      'AWS_SESSION_TOKEN': functionCredentials.sessionToken,
      'reporter secretAccessKey': reporterCredentials.secretAccessKey,
      'reporter sessionToken': reporterCredentials.sessionToken,
    },
  };
}

/** The job event CodePipeline would send for the options. */
function buildEvent({ options, accountId, artifactCredentials, expiresAt }: RunContext): any {
  return buildJobEvent({
    accountId,
    bucket: options.s3?.bucket ?? options.bucket ?? `codepipeline-us-east-1-${accountId}`,
    pipelineName: options.pipelineName ?? 'local-pipeline',
    functionName: options.functionName ?? 'local-step',
    userParameters: substituteVariables(
      options.userParameters === undefined || typeof options.userParameters === 'string' ? options.userParameters : JSON.stringify(options.userParameters),
      options.variables ?? {}),
    inputs: Object.keys(options.inputArtifacts ?? {}).map(name => ({ name, revision: options.inputRevisions?.[name] ?? madeUpRevision() })),
    outputs: options.outputArtifacts ?? [],
    credentials: artifactCredentials,
    expiresAt,
    continuationToken: options.continuationToken,
    encryptionKeyId: options.encryptionKeyId,
  });
}

/** CodePipeline and S3 on loopback, each knowing the run's three principals: the job's artifact credentials, the function's role, the reporter's. */
async function startEndpoints(context: RunContext, event: any): Promise<Endpoints> {
  const { options, artifactCredentials, expiresAt } = context;
  const data = event?.['CodePipeline.job']?.data;
  const buckets: string[] = [...data?.inputArtifacts ?? [], ...data?.outputArtifacts ?? []]
    .map((artifact: any) => artifact.location.s3Location.bucketName);
  const known: KnownCredentials[] = [
    { ...artifactCredentials, expiresAt, principal: 'artifact' },
    { ...context.functionCredentials, principal: 'function' },
    { ...context.reporterCredentials, principal: 'reporter' },
  ];
  const codePipeline = await LoopbackCodePipeline.start({ credentials: known });
  try {
    const builtInS3 = options.s3 ? undefined : await LoopbackS3Endpoint.start({ buckets, credentials: known });
    const s3Endpoint = options.s3?.endpoint ?? builtInS3!.endpoint;
    const s3 = options.s3 && new S3Client(loopbackS3ClientConfig(s3Endpoint, artifactCredentials));
    return { codePipeline, builtInS3, s3, s3Endpoint };
  } catch (error) {
    await codePipeline.stop();
    throw error;
  }
}

/** Zips each given input artifact and puts it where the event says it is. */
async function serveInputs({ options, work }: RunContext, { builtInS3, s3 }: Endpoints, event: any): Promise<void> {
  for (const artifact of event?.['CodePipeline.job']?.data?.inputArtifacts ?? []) {
    const source = options.inputArtifacts?.[artifact.name];
    if (source === undefined) {
      continue;
    }
    const zipPath = path.join(work, `${randomUUID()}.zip`);
    await writeZip(source, zipPath);
    options.onProgress?.(`serving input artifact ${artifact.name} (${fs.statSync(zipPath).size} bytes zipped)`);
    const { bucketName, objectKey } = artifact.location.s3Location;
    if (builtInS3) {
      await builtInS3.seedObject(bucketName, objectKey, zipPath);
    } else {
      await s3!.send(new PutObjectCommand({ Bucket: bucketName, Key: objectKey, Body: fs.readFileSync(zipPath) }));
    }
  }
}

/**
 * Invokes the function as Lambda would for the job: again with the same event when an attempt fails
 * without reporting (its retries, then the failure reporter), and again with a new job while it
 * continues the job, up to maxInvocations.
 */
async function invokeUntilResult(context: RunContext, endpoints: Endpoints, invoke: Invoker, event: any, logs: string[]): Promise<Invocations> {
  const { options, timeoutMillis, secrets } = context;
  const { codePipeline, builtInS3 } = endpoints;
  const retryAttempts = options.retryAttempts ?? 0;
  const maxInvocations = options.maxInvocations ?? 10;
  const environment: Record<string, string> = {
    ...options.environment,
    ...loopbackFunctionEnvironment({
      codePipeline: codePipeline.endpoint,
      s3: endpoints.s3Endpoint,
      credentials: context.functionCredentials,
      functionName: event?.['CodePipeline.job']?.data?.actionConfiguration?.configuration?.FunctionName,
      emptyDirectory: context.work,
    }),
  };
  const warnings: string[] = [];
  const reporterLogs: string[] = [];
  let failureReport: FailureReport | undefined;
  let peakMb: number | undefined;
  let invocations = 0;
  let current = event;
  let last: RecordedCall | undefined;
  // The current event's attempts that failed without reporting, which Lambda retries.
  let failedAttempts: Array<{ millis: number; error: FunctionError }> = [];
  // Lambda's retries run the function again; maxInvocations counts the job's invocations, not them.
  let retries = 0;
  while (invocations - retries < maxInvocations) {
    invocations++;
    const started = Date.now();
    const before = codePipeline.calls.length;
    const lateS3Before = builtInS3?.lateRequests.length ?? 0;
    const jobId = current?.['CodePipeline.job']?.id;
    codePipeline.startJob(jobId);
    builtInS3?.startInvocation();
    const notes: InvocationNotes = { unsupportedUses: [], returnedWithoutPromise: false };
    options.onProgress?.(`invocation ${invocations} of job ${jobId}${invocations > 1 ? ' (continued)' : ''}`);
    const end = await invoke(current, { timeoutMillis, environment, runtime: context.runtime }, logs, notes);
    peakMb = Math.max(peakMb ?? 0, end.peakMb ?? 0) || undefined;
    const millis = end.timedOut ? timeoutMillis : Date.now() - started;
    codePipeline.endInvocation();
    builtInS3?.endInvocation();
    const resultOf = (operations: string[]) => codePipeline.calls.slice(before)
      .find(call => !call.error && operations.includes(call.operation) && call.input.jobId === jobId);
    let result = resultOf(['PutJobSuccessResult', 'PutJobFailureResult']);
    if (!result || notes.unsupportedUses.length > 0) {
      await delay(LATE_CALL_GRACE_MILLIS);
    }
    if (notes.unsupportedUses.length > 0) {
      throw new StepRunError(`${notes.unsupportedUses[0]}. In a pipeline every invocation would fail, and the action would wait ${ACTION_TIMEOUT} for a result`, redactAll(logs, secrets));
    }
    const error = result ? undefined : recordedError(end, timeoutMillis);
    if (error) {
      // Lambda counts the invocation as failed: it runs the function again with the same event, or gives up.
      failedAttempts.push({ millis, error });
      if (failedAttempts.length <= retryAttempts) {
        retries++;
        options.onProgress?.(`invocation ${invocations} failed without reporting (${redact(describeError(error), secrets)}): `
          + `Lambda retries it (retry ${failedAttempts.length} of ${retryAttempts})`);
        continue;
      }
    }
    if (!result && error && options.failureReporter !== false) {
      reporterLogs.push(...await runFailureReporter({
        codePipeline,
        credentials: { ...context.reporterCredentials, principal: 'reporter' },
        functionArn: functionArnOf(current?.['CodePipeline.job']?.data?.actionConfiguration?.configuration?.FunctionName, context.accountId),
      }, current, error, failedAttempts.length));
      failureReport = {
        attempts: failedAttempts.length,
        error,
        approximateSecondsAfterStart: secondsToReport(failedAttempts.map(attempt => attempt.millis)),
      };
      result = resultOf(['PutJobFailureResult']);
    }
    if (!result) {
      const calls = codePipeline.calls.slice(before);
      const lateS3Requests = builtInS3?.lateRequests.slice(lateS3Before) ?? [];
      const message = noResultMessage(invocations, jobId, { ...end, ...notes }, timeoutMillis, calls, lateS3Requests, secrets,
        { attempts: Math.max(1, failedAttempts.length), reporterOff: options.failureReporter === false, reporterLogs });
      throw new StepRunError(message, redactAll(logs, secrets));
    }
    if (failureReport) {
      warnings.push(reporterNote(failureReport, retryAttempts, secrets));
    } else if (failedAttempts.length > 0) {
      warnings.push(`Invocation ${invocations - failedAttempts.length} failed without reporting (${redact(describeError(failedAttempts[0].error), secrets)}); `
        + `Lambda retried it (retryAttempts ${retryAttempts}) and attempt ${failedAttempts.length + 1} reported. In a pipeline that report comes about `
        + `${describeSeconds(secondsToReport([...failedAttempts.map(attempt => attempt.millis), millis]))} after the action started`);
    }
    failedAttempts = [];
    last = result;
    const token = last.operation === 'PutJobSuccessResult' ? last.input.continuationToken : undefined;
    if (!token) {
      break;
    }
    current = structuredClone(current);
    current['CodePipeline.job'].data.continuationToken = token;
    current['CodePipeline.job'].id = randomUUID();
  }
  return { count: invocations, last: last!, failureReport, warnings, reporterLogs, peakMb };
}

/** The files of each output artifact the function wrote, and how each was stored. */
async function collectOutputs({ options, work }: RunContext, { builtInS3, s3 }: Endpoints, event: any)
  : Promise<Pick<StepRun, 'outputArtifacts' | 'outputArtifactEncryption'>> {
  const outputArtifacts: Record<string, Record<string, Buffer>> = {};
  const outputArtifactEncryption: Record<string, StoredObjectInfo | undefined> = {};
  for (const artifact of event?.['CodePipeline.job']?.data?.outputArtifacts ?? []) {
    const { bucketName, objectKey } = artifact.location.s3Location;
    const zipPath = builtInS3 ? builtInS3.objectFile(bucketName, objectKey) : await downloadObject(s3!, bucketName, objectKey, work);
    if (zipPath) {
      options.onProgress?.(`received output artifact ${artifact.name} (${fs.statSync(zipPath).size} bytes zipped)`);
      outputArtifacts[artifact.name] = await readZip(zipPath);
      outputArtifactEncryption[artifact.name] = builtInS3?.objectInfo(bucketName, objectKey);
    }
  }
  return { outputArtifacts, outputArtifactEncryption };
}

/** How the CLI takes a value for `#{namespace.name}`. */
function cliVariableOption(expression: string): string {
  return `--variable ${expression.slice(2, -1)}=<value>`;
}

/** CodePipeline's substitution: text in place of each `#{namespace.name}`, before the action runs. */
function substituteVariables(userParameters: string | undefined, variables: Record<string, string>): string | undefined {
  const missing = new Set<string>();
  const substituted = userParameters?.replace(PIPELINE_VARIABLE, (expression, name: string) => {
    if (!(name in variables)) {
      missing.add(expression);
    }
    return variables[name] ?? expression;
  });
  if (missing.size > 0) {
    throw new StepRunError(`The action's UserParameters use ${[...missing].join(', ')}, which CodePipeline would fail the action on when no `
      + `action or pipeline provides them: pass their values in \`variables\` (with the CLI, ${[...missing].map(cliVariableOption).join(' ')})`);
  }
  return substituted;
}

function checkOptions(options: StepRunOptions) {
  const inputNames = Object.keys(options.inputArtifacts ?? {});
  const outputNames = options.outputArtifacts ?? [];
  for (const [what, names] of [['inputArtifacts', inputNames], ['outputArtifacts', outputNames]] as const) {
    if (names.length > MAX_ARTIFACTS_PER_ACTION) {
      throw new StepRunError(`${what} names ${names.length} artifacts (${names.join(', ')}); a Lambda invoke action takes at most ${MAX_ARTIFACTS_PER_ACTION}`);
    }
  }
  const maxInvocations = options.maxInvocations ?? 10;
  if (!(Number.isInteger(maxInvocations) && maxInvocations >= 1)) {
    throw new StepRunError(`maxInvocations must be an integer of at least 1 (the first invocation counts), got ${maxInvocations}`);
  }
  const retryAttempts = options.retryAttempts ?? 0;
  if (!(Number.isInteger(retryAttempts) && retryAttempts >= 0 && retryAttempts <= MAX_RETRY_ATTEMPTS)) {
    throw new StepRunError(`retryAttempts must be an integer from 0 to ${MAX_RETRY_ATTEMPTS} (Lambda's MaximumRetryAttempts), got ${retryAttempts}`);
  }
  const timeoutMillis = options.timeoutMillis ?? 60_000;
  if (!(Number.isFinite(timeoutMillis) && timeoutMillis > 0)) {
    throw new StepRunError(`timeoutMillis must be a number of milliseconds above 0, got ${timeoutMillis}`);
  }
  if (options.runtime !== undefined && !NODE_RUNTIMES.includes(options.runtime)) {
    throw new StepRunError(`runtime must be one of ${NODE_RUNTIMES.join(', ')} (the Lambda Node.js runtimes a step may use), got ${options.runtime}`);
  }
}

/**
 * The runtime a handler run with runStep behaves as: the one a step made from `entry` gets, the
 * newest Node.js runtime the installed aws-cdk-lib names, or this harness's newest if it names a later one.
 */
function defaultRuntime(): NodeRuntime {
  const stepDefault = newestNodejsRuntime().name as NodeRuntime;
  return NODE_RUNTIMES.includes(stepDefault) ? stepDefault : NODE_RUNTIMES[NODE_RUNTIMES.length - 1];
}

/** Why an invocation left the action without a result, and what CodePipeline would do. */
function noResultMessage(
  invocation: number, jobId: string, end: InvocationEnd & InvocationNotes, timeoutMillis: number,
  calls: readonly RecordedCall[], lateS3Requests: readonly string[], secrets: Record<string, string | undefined>,
  failed: { attempts: number; reporterOff: boolean; reporterLogs: readonly string[] },
): string {
  const how = end.timedOut
    ? `did not finish within its ${timeoutMillis} ms timeout`
    : end.error ? `failed (${redact(end.detail ?? describeError(end.error), secrets)})` : 'returned';
  const reasons = calls.filter(call => !call.late).map(call => {
    if (call.error === 'JobNotFoundException') {
      return `it called ${call.operation} for job ${call.input?.jobId}, not the job it was invoked for (${jobId}), and CodePipeline answered JobNotFoundException`;
    }
    if (call.error) {
      return `CodePipeline refused its ${call.operation}: ${call.error}: ${redact(call.errorMessage ?? '', secrets)}`;
    }
    return call.operation === 'AcknowledgeJob'
      ? 'it called AcknowledgeJob, which only confirms that a custom action\'s job worker received the job; a Lambda step must call PutJobSuccessResult or PutJobFailureResult'
      : `it called ${call.operation}`;
  });
  if (end.returnedWithoutPromise) {
    reasons.push('it is not async: it returned without a promise, so its invocation ended there (from nodejs24.x on, Lambda waits for no callback or pending work)');
  }
  const late = lateCalls(calls, lateS3Requests);
  if (late.length > 0) {
    reasons.push(`it made requests after its invocation ended (${late.join(', ')}): Lambda freezes the function once the handler's promise settles, so they would not be sent; await every call before returning`);
  }
  if (end.timedOut || end.error) {
    reasons.push(failed.attempts > 1 ? `Lambda ran it ${failed.attempts} times (retryAttempts ${failed.attempts - 1}), each failing` : 'Lambda did not retry it (retryAttempts 0)');
    reasons.push(failed.reporterOff
      ? 'the step has no failure reporter to fail the job (failureReporterEnabled false, or configureAsyncInvoke false)'
      : `the step's failure reporter could not fail the job (${redact(failed.reporterLogs.join(' '), secrets)})`);
  }
  return `The handler ${how} in invocation ${invocation} without reporting a result for job ${jobId}`
    + `${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}. In a pipeline the action would wait ${ACTION_TIMEOUT} for a result and then fail. `
    + 'To report, wrap the handler in pipelineJobHandler from cdk-lambda-invoke-step/runtime, which reports what it returns or throws, '
    + 'or call CodePipeline\'s PutJobSuccessResult or PutJobFailureResult with the job\'s id and await it before the handler returns';
}

/** An error as `errorType: errorMessage`, its first line. */
function describeError(error: FunctionError): string {
  return `${error.errorType}: ${error.errorMessage}`.split('\n')[0];
}

/** The function's ARN as Lambda records it for an invocation of `functionName` (an unqualified name runs `$LATEST`). */
function functionArnOf(functionName: unknown, accountId: string): string {
  const name = typeof functionName === 'string' && functionName.length > 0 ? functionName : 'local-step';
  const qualified = name.startsWith('arn:') ? name : `arn:aws:lambda:${LOCAL_REGION}:${accountId}:function:${name}`;
  return qualified.split(':').length > 7 ? qualified : `${qualified}:$LATEST`;
}

/** Said when the function came near its memory size: Lambda stops a function that goes over. */
function memoryWarnings(sizeMb: number, peakMb: number | undefined): string[] {
  // The peak counts mapped files, which Lambda takes back before it stops a function, so it can pass the size without a stop.
  return peakMb !== undefined && peakMb > sizeMb * NEAR_MEMORY_LIMIT
    ? [`The function used up to ${peakMb} MB of its ${sizeMb} MB memory size: Lambda stops a function that goes over, so a larger input may fail there; raise memorySize`]
    : [];
}

/** What the pipeline sees when the failure reporter failed the job, and when. */
function reporterNote(report: FailureReport, retryAttempts: number, secrets: Record<string, string | undefined>): string {
  const waits = retryAttempts === 0 ? '' : `, and Lambda's waits of ${retryAttempts === 1 ? '1 minute' : '1 and 2 minutes'} before its retries`;
  return `The function failed without reporting in ${report.attempts === 1 ? 'its only attempt' : `each of its ${report.attempts} attempts`} `
    + `(${redact(describeError(report.error), secrets)}), so the step's failure reporter failed the job. In a pipeline that happens about `
    + `${describeSeconds(report.approximateSecondsAfterStart)} after the action started (the attempts' durations here, a timeout counted in full${waits}), `
    + `instead of after the action's ${ACTION_TIMEOUT} wait`;
}

function lateCalls(calls: readonly RecordedCall[], lateS3Requests: readonly string[]): string[] {
  return [...calls.filter(call => call.late).map(call => `CodePipeline ${call.operation}`), ...lateS3Requests.map(request => `S3 ${request}`)];
}

function redactAll(lines: readonly string[], secrets: Record<string, string | undefined>): string[] {
  return lines.map(line => redact(line, secrets));
}

/** Downloads an object to a file in `directory`; undefined if it does not exist. */
async function downloadObject(s3: S3Client, bucket: string, key: string, directory: string): Promise<string | undefined> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  if (!response?.Body) {
    return undefined;
  }
  const zipPath = path.join(directory, `${randomUUID()}.zip`);
  fs.writeFileSync(zipPath, await response.Body.transformToByteArray());
  return zipPath;
}

function delay(millis: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, millis));
}
