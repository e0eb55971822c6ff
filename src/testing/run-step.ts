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
import { NODE_RUNTIMES, type NodeRuntime } from './invoke-like-lambda';
import { PIPELINE_VARIABLE, buildJobEvent, madeUpCredentials, madeUpRevision } from './job-event';
import { FailureReport, MAX_RETRY_ATTEMPTS, describeSeconds, secondsToReport } from './lambda-retries';
import { newestNodejsRuntime } from '../private/bundled-function';
import { FunctionError, InvocationEnd, InvocationNotes, Invoker, LATE_CALL_GRACE_MILLIS } from './runners/invoker';
import type { FunctionDescription } from './runners/lambda-environment';
import { exclusively, inProcess } from './runners/node-in-process';
import { inNodeProcess } from './runners/node-process';
import { inPythonProcess, pythonInterpreter, pythonVersionWarning } from './runners/python';
import { inCustomRuntime } from './runners/runtime-api';
import { StepRunError } from './step-run-error';
import { readZip } from '../runtime/artifacts';
import { redact } from '../runtime/redact';
import type { ArtifactFiles, PipelineJobLambdaHandler } from '../runtime/types';
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

export interface StepRunOptions {
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
   * The function's memory size, which AWS_LAMBDA_FUNCTION_MEMORY_SIZE (and Python's context) report
   * to a function run in a process of its own. @default 128, or the synthesized function's
   */
  readonly memoryMb?: number;
  /**
   * The Lambda runtime to behave as (callback-style handlers run only before nodejs24.x).
   * @default - the runtime a step made from `entry` gets (the newest Node.js runtime the installed aws-cdk-lib names), or the synthesized function's
   */
  readonly runtime?: NodeRuntime;
  /** The Python interpreter that runs a Python function (runSynthesizedStep, runPythonStep). @default 'python3', the first on PATH */
  readonly python?: string;
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
  /** The version of Node.js the handler ran on: the one running the harness, such as `20.20.2`. */
  readonly nodeVersion: string;
  /** What differed from Lambda in this run and may matter, such as a Node.js major other than the function's runtime. */
  readonly warnings: string[];
}


/** How long the action waits for a result before it fails: CodePipeline's timeout for a Lambda invoke action. */
const ACTION_TIMEOUT = '20 minutes';
const DEFAULT_ACCOUNT = '123456789012';

/**
 * Runs a step handler end to end on this machine: builds a CodePipeline job event, serves the
 * input artifacts from an S3 endpoint on loopback, receives the CodePipeline calls on another,
 * invokes the handler (again, while it continues the job) and returns what it did. Both endpoints
 * check requests as the services do (signatures, whose credentials, the API model, the job's
 * state). Servers are on random ports of 127.0.0.1 and are stopped before this returns or throws.
 */
export async function runStep(handler: PipelineJobLambdaHandler | ((...args: any[]) => unknown), options: StepRunOptions = {}): Promise<StepRun> {
  return exclusively(() => run(() => inProcess(handler), options));
}

/** Runs a bundled handler (a directory holding `index.js` or, bundled as an ES module, `index.mjs`, as `NodejsFunction` builds) in a Node.js process of its own. */
export async function runBundledStep(assetDirectory: string, handlerName: string, options: StepRunOptions = {}): Promise<StepRun> {
  return run(() => inNodeProcess(describe(assetDirectory, handlerName, options)), options);
}

/** A Python function's settings, for runPythonStep. */
export interface PythonStepOptions extends Omit<StepRunOptions, 'runtime'> {
  /** The function's Lambda runtime, such as `python3.13`. */
  readonly runtime: string;
}

/**
 * Runs a Python handler (`module.function` in `codeDirectory`) as the Lambda Python runtime does,
 * in a Python process of its own: the event as a dict, a context object, `print` and `logging`
 * captured, an escaping exception reported as Lambda reports it, every boto3 client on loopback.
 */
export async function runPythonStep(codeDirectory: string, handlerName: string, options: PythonStepOptions): Promise<StepRun> {
  const command = options.python ?? 'python3';
  const python = pythonInterpreter(command);
  if (!python) {
    throw new StepRunError(`The Python interpreter '${command}' could not be started: install Python ${options.runtime.replace(/^python/, '')} `
      + 'or pass `python` (the path of an interpreter; with the CLI, --python <interpreter>)');
  }
  const { runtime, ...rest } = options;
  return run((work: string) => inPythonProcess(describe(codeDirectory, handlerName, options), python, work), rest,
    () => [pythonVersionWarning(runtime, python)]);
}

/**
 * Runs a custom runtime's function (`provided.al2023`, `provided.al2`): the executable `bootstrap` of
 * `codeDirectory` (Go, Rust, a shell script), started with AWS_LAMBDA_RUNTIME_API pointing at a
 * Lambda Runtime API the harness serves on loopback, once per invocation.
 */
export async function runCustomRuntimeStep(codeDirectory: string, handlerName: string, options: Omit<PythonStepOptions, 'python'>): Promise<StepRun> {
  const { runtime: _runtime, ...rest } = options;
  return run(() => inCustomRuntime(describe(codeDirectory, handlerName, options)), rest, () => []);
}

/** What a runner tells the function about itself. */
function describe(codeDirectory: string, handler: string, options: { memoryMb?: number; accountId?: string }): FunctionDescription {
  return { codeDirectory: path.resolve(codeDirectory), handler, memoryMb: options.memoryMb ?? 128, accountId: options.accountId ?? DEFAULT_ACCOUNT };
}

async function run(
  makeInvoker: (work: string) => Invoker, options: StepRunOptions,
  runtimeWarnings: (runtime: NodeRuntime) => Array<string | undefined> = runtime => [nodeVersionWarning(runtime)],
): Promise<StepRun> {
  const inputNames = Object.keys(options.inputArtifacts ?? {});
  const outputNames = options.outputArtifacts ?? [];
  checkOptions(options, inputNames, outputNames);
  const timeoutMillis = options.timeoutMillis ?? 60_000;
  const maxInvocations = options.maxInvocations ?? 10;
  const runtime = options.runtime ?? defaultRuntime();
  let codePipeline: LoopbackCodePipeline | undefined;
  let builtInS3: LoopbackS3Endpoint | undefined;
  let s3: S3Client | undefined;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'step-run-'));
  const functionCredentials = madeUpCredentials();
  const reporterCredentials = madeUpCredentials();
  const retryAttempts = options.retryAttempts ?? 0;
  const reporterLogs: string[] = [];
  const warnings: string[] = [];
  let failureReport: FailureReport | undefined;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT;
  const given = options.event ? structuredClone(options.event) as any : undefined;
  const artifactCredentials = given?.['CodePipeline.job']?.data?.artifactCredentials
    ?? (options.s3 ? { sessionToken: madeUpCredentials().sessionToken, ...options.s3.credentials } : madeUpCredentials());
  // A given event's expirationTime holds; made-up credentials last an hour, as CodePipeline's do.
  const expiresAt = Number(new Date(artifactCredentials.expirationTime ?? Date.now() + 3_600_000));
  const secrets = {
    'artifactCredentials.secretAccessKey': artifactCredentials.secretAccessKey,
    'artifactCredentials.sessionToken': artifactCredentials.sessionToken,
    'AWS_SECRET_ACCESS_KEY': functionCredentials.secretAccessKey,
    'AWS_SESSION_TOKEN': functionCredentials.sessionToken,
    'reporter secretAccessKey': reporterCredentials.secretAccessKey,
    'reporter sessionToken': reporterCredentials.sessionToken,
  };
  const logs: string[] = [];
  try {
    const invoke = makeInvoker(work);
    const event = given ?? buildJobEvent({
      accountId,
      bucket: options.s3?.bucket ?? options.bucket ?? `codepipeline-us-east-1-${accountId}`,
      pipelineName: options.pipelineName ?? 'local-pipeline',
      functionName: options.functionName ?? 'local-step',
      userParameters: substituteVariables(
        options.userParameters === undefined || typeof options.userParameters === 'string' ? options.userParameters : JSON.stringify(options.userParameters),
        options.variables ?? {}),
      inputs: inputNames.map(name => ({ name, revision: options.inputRevisions?.[name] ?? madeUpRevision() })),
      outputs: outputNames,
      credentials: artifactCredentials,
      expiresAt,
      continuationToken: options.continuationToken,
      encryptionKeyId: options.encryptionKeyId,
    });
    const data = event?.['CodePipeline.job']?.data;
    const buckets: string[] = [...data?.inputArtifacts ?? [], ...data?.outputArtifacts ?? []]
      .map((artifact: any) => artifact.location.s3Location.bucketName);
    const known: KnownCredentials[] = [
      { ...artifactCredentials, expiresAt, principal: 'artifact' },
      { ...functionCredentials, principal: 'function' },
      { ...reporterCredentials, principal: 'reporter' },
    ];
    codePipeline = await LoopbackCodePipeline.start({ credentials: known });
    builtInS3 = options.s3 ? undefined : await LoopbackS3Endpoint.start({ buckets, credentials: known });
    const s3Endpoint = options.s3?.endpoint ?? builtInS3!.endpoint;
    s3 = options.s3 && new S3Client(loopbackS3ClientConfig(s3Endpoint, artifactCredentials));
    for (const artifact of data?.inputArtifacts ?? []) {
      const source = options.inputArtifacts?.[artifact.name];
      if (source !== undefined) {
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
    const environment: Record<string, string> = {
      ...options.environment,
      ...loopbackFunctionEnvironment({
        codePipeline: codePipeline.endpoint,
        s3: s3Endpoint,
        credentials: functionCredentials,
        functionName: data?.actionConfiguration?.configuration?.FunctionName,
        emptyDirectory: work,
      }),
    };
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
      const end = await invoke(current, { timeoutMillis, environment, runtime }, logs, notes);
      const millis = end.timedOut ? timeoutMillis : Date.now() - started;
      codePipeline.endInvocation();
      builtInS3?.endInvocation();
      let result = codePipeline.calls.slice(before).find(call => !call.error && call.operation.startsWith('PutJob') && call.input.jobId === jobId);
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
          credentials: { ...reporterCredentials, principal: 'reporter' },
          functionArn: functionArnOf(data?.actionConfiguration?.configuration?.FunctionName, accountId),
        }, current, error, failedAttempts.length));
        failureReport = {
          attempts: failedAttempts.length,
          error,
          approximateSecondsAfterStart: secondsToReport(failedAttempts.map(attempt => attempt.millis)),
        };
        result = codePipeline.calls.slice(before).find(call => !call.error && call.operation === 'PutJobFailureResult' && call.input.jobId === jobId);
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
    await delay(LATE_CALL_GRACE_MILLIS);
    const leaks = findCredentialLeaks(secrets, [...logs, ...reporterLogs], codePipeline.calls);
    if (leaks.length > 0 && options.failOnCredentialLeak !== false) {
      throw new StepRunError(`The step leaked the job's secrets: ${describeLeaks(leaks)}. Lambda writes every log line to CloudWatch Logs, where anyone who can read the logs could use them; never log the event or its artifactCredentials`, redactAll(logs, secrets));
    }
    const outputArtifacts: Record<string, Record<string, Buffer>> = {};
    const outputArtifactEncryption: Record<string, StoredObjectInfo | undefined> = {};
    for (const artifact of data?.outputArtifacts ?? []) {
      const { bucketName, objectKey } = artifact.location.s3Location;
      const zipPath = builtInS3 ? builtInS3.objectFile(bucketName, objectKey) : await downloadObject(s3!, bucketName, objectKey, work);
      if (zipPath) {
        options.onProgress?.(`received output artifact ${artifact.name} (${fs.statSync(zipPath).size} bytes zipped)`);
        outputArtifacts[artifact.name] = await readZip(zipPath);
        outputArtifactEncryption[artifact.name] = builtInS3?.objectInfo(bucketName, objectKey);
      }
    }
    const input = last!.input;
    const continued = last!.operation === 'PutJobSuccessResult' && !!input.continuationToken;
    return {
      outcome: last!.operation === 'PutJobFailureResult' ? 'failed' : continued ? 'continued' : 'succeeded',
      invocations,
      outputVariables: input.outputVariables ?? {},
      executionDetails: input.executionDetails,
      failureDetails: input.failureDetails,
      continuationToken: continued ? input.continuationToken : undefined,
      outputArtifacts,
      outputArtifactEncryption,
      logs: redactAll(logs, secrets),
      calls: codePipeline.calls.map(call => ({ ...call, body: redact(call.body, secrets) })),
      lateCalls: lateCalls(codePipeline.calls, builtInS3?.lateRequests ?? []),
      credentialLeaks: leaks,
      event,
      failureReport,
      nodeVersion: process.versions.node,
      warnings: [...warnings, ...runtimeWarnings(runtime).filter((warning): warning is string => warning !== undefined)],
    };
  } finally {
    s3?.destroy();
    await codePipeline?.stop();
    await builtInS3?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
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

function checkOptions(options: StepRunOptions, inputNames: string[], outputNames: string[]) {
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

/** Said when the handler ran on another Node.js major than its runtime's: features and built-ins may differ. */
function nodeVersionWarning(runtime: NodeRuntime): string | undefined {
  const runtimeMajor = runtime.replace(/^nodejs(\d+)\.x$/, '$1');
  return process.versions.node.split('.')[0] === runtimeMajor ? undefined
    : `The function's runtime is ${runtime}, but the handler ran on Node.js ${process.versions.node}, the Node.js running this harness: `
      + `language features and built-in modules differ between majors, so run the harness on Node.js ${runtimeMajor} to match Lambda`;
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
