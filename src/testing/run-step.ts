import { spawn } from 'child_process';
import { randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LoopbackCodePipeline, RecordedCall } from './endpoints/codepipeline';
import { loopbackFunctionEnvironment } from './endpoints/function-environment';
import { LoopbackS3Endpoint, StoredObjectInfo } from './endpoints/s3';
import { loopbackS3ClientConfig } from './endpoints/s3-client';
import { lambdaContext } from './lambda-context';
import { MAX_ARTIFACTS } from '../private/limits';
import { readZip, writeZip } from '../runtime/artifacts';
import type { ArtifactFiles, PipelineJobLambdaHandler } from '../runtime/types';

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
  /** Input artifacts by name (at most 5). */
  readonly inputArtifacts?: Record<string, ArtifactSource>;
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
  /** Use this S3-compatible server instead of the built-in one. */
  readonly s3?: ExternalS3;
  /**
   * Send this CodePipeline job event instead of building one (for example an event from the AWS
   * documentation): its artifact locations and credentials are used as they are.
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
  /** Every line the handler logged, in order. */
  readonly logs: string[];
  /** Every CodePipeline call the step made. */
  readonly calls: RecordedCall[];
  /** The first event the step was invoked with (its credentials are the run's, made up). */
  readonly event: any;
}

/** The harness could not get a result out of the step: it never reported, reported twice, or was misused. */
export class StepRunError extends Error {
  constructor(message: string, public readonly logs: string[] = []) {
    super(message);
    this.name = 'StepRunError';
  }
}

/** Runs one invocation and tells whether it finished in time. */
type Invoker = (event: unknown, timeoutMillis: number, environment: Record<string, string>, logs: string[]) => Promise<InvocationEnd>;

interface InvocationEnd {
  readonly timedOut: boolean;
  readonly error?: string;
}

/**
 * Runs a step handler end to end on this machine: builds a CodePipeline job event, serves the
 * input artifacts from an S3 endpoint on loopback, receives the CodePipeline calls on another,
 * invokes the handler (again, while it continues the job) and returns what it did. Servers are
 * on random ports of 127.0.0.1 and are stopped before this returns or throws.
 */
export async function runStep(handler: PipelineJobLambdaHandler, options: StepRunOptions = {}): Promise<StepRun> {
  return exclusively(() => run(inProcess(handler), options));
}

/** Runs a bundled handler (a directory holding `index.js`, as `NodejsFunction` builds) in a Node.js process of its own. */
export async function runBundledStep(assetDirectory: string, handlerName: string, options: StepRunOptions = {}): Promise<StepRun> {
  return run(inChildProcess(assetDirectory, handlerName), options);
}

async function run(invoke: Invoker, options: StepRunOptions): Promise<StepRun> {
  const inputNames = Object.keys(options.inputArtifacts ?? {});
  const outputNames = options.outputArtifacts ?? [];
  for (const [what, names] of [['inputArtifacts', inputNames], ['outputArtifacts', outputNames]] as const) {
    if (names.length > MAX_ARTIFACTS) {
      throw new StepRunError(`${what} names ${names.length} artifacts (${names.join(', ')}); a Lambda invoke action takes at most ${MAX_ARTIFACTS}`);
    }
  }
  const timeoutMillis = options.timeoutMillis ?? 60_000;
  const maxInvocations = options.maxInvocations ?? 10;
  if (!(Number.isInteger(maxInvocations) && maxInvocations >= 1)) {
    throw new StepRunError(`maxInvocations must be an integer of at least 1 (the first invocation counts), got ${maxInvocations}`);
  }
  if (!(Number.isFinite(timeoutMillis) && timeoutMillis > 0)) {
    throw new StepRunError(`timeoutMillis must be a number of milliseconds above 0, got ${timeoutMillis}`);
  }
  let codePipeline: LoopbackCodePipeline | undefined;
  let builtInS3: LoopbackS3Endpoint | undefined;
  let s3: S3Client | undefined;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'step-run-'));
  try {
    codePipeline = await LoopbackCodePipeline.start();
    builtInS3 = options.s3 ? undefined : await LoopbackS3Endpoint.start();
    const s3Endpoint = options.s3?.endpoint ?? builtInS3!.endpoint;
    const credentials = options.s3?.credentials ?? madeUpCredentials();
    s3 = new S3Client(loopbackS3ClientConfig(s3Endpoint, credentials));
    const event = options.event
      ? structuredClone(options.event) as any
      : buildEvent(options, inputNames, outputNames, options.s3?.bucket ?? 'pipeline-artifacts', credentials);
    const data = event?.['CodePipeline.job']?.data;
    for (const artifact of data?.inputArtifacts ?? []) {
      const source = options.inputArtifacts?.[artifact.name];
      if (source !== undefined) {
        const zipPath = path.join(work, `${randomUUID()}.zip`);
        await writeZip(source, zipPath);
        const { bucketName, objectKey } = artifact.location.s3Location;
        const upload = { Body: fs.createReadStream(zipPath), ContentLength: fs.statSync(zipPath).size };
        await s3.send(new PutObjectCommand({ Bucket: bucketName, Key: objectKey, ...upload }));
      }
    }
    const environment: Record<string, string> = {
      ...options.environment,
      ...loopbackFunctionEnvironment({ codePipeline: codePipeline.endpoint, s3: s3Endpoint }),
    };
    const logs: string[] = [];
    let invocations = 0;
    let current = event;
    let last: RecordedCall | undefined;
    while (invocations < maxInvocations) {
      invocations++;
      const before = codePipeline.calls.length;
      const { timedOut, error } = await invoke(current, timeoutMillis, environment, logs);
      const reported = codePipeline.calls.slice(before);
      if (reported.length > 1) {
        throw new StepRunError(`The handler reported ${reported.length} results in invocation ${invocations} (${reported.map(call => call.operation).join(', ')}); CodePipeline takes one`, logs);
      }
      if (reported.length === 0) {
        const why = timedOut
          ? `did not finish within its ${timeoutMillis} ms timeout`
          : `returned${error ? ` an error (${error.split('\n')[0]})` : ''}`;
        throw new StepRunError(`The handler ${why} and reported no result in invocation ${invocations}: in a pipeline the action would wait until it timed out`, logs);
      }
      last = reported[0];
      const token = last.operation === 'PutJobSuccessResult' ? last.input.continuationToken : undefined;
      if (!token) {
        break;
      }
      current = structuredClone(current);
      current['CodePipeline.job'].data.continuationToken = token;
      current['CodePipeline.job'].id = randomUUID();
    }
    const outputArtifacts: Record<string, Record<string, Buffer>> = {};
    const outputArtifactEncryption: Record<string, StoredObjectInfo | undefined> = {};
    for (const artifact of data?.outputArtifacts ?? []) {
      const { bucketName, objectKey } = artifact.location.s3Location;
      const zipPath = path.join(work, `${randomUUID()}.zip`);
      const response = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: objectKey })).catch(() => undefined);
      if (response?.Body) {
        fs.writeFileSync(zipPath, await response.Body.transformToByteArray());
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
      logs,
      calls: [...codePipeline.calls],
      event,
    };
  } finally {
    s3?.destroy();
    await codePipeline?.stop();
    await builtInS3?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function madeUpCredentials() {
  return {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(60).toString('base64'),
  };
}

function buildEvent(options: StepRunOptions, inputNames: string[], outputNames: string[], bucket: string, credentials: ExternalS3['credentials']) {
  const runId = randomUUID();
  const location = (name: string, kind: string) => ({
    name,
    revision: null,
    location: { type: 'S3', s3Location: { bucketName: bucket, objectKey: `${runId}/${kind}/${name}.zip` } },
  });
  const userParameters = options.userParameters === undefined || typeof options.userParameters === 'string'
    ? options.userParameters
    : JSON.stringify(options.userParameters);
  return {
    'CodePipeline.job': {
      id: randomUUID(),
      accountId: '123456789012',
      data: {
        actionConfiguration: { configuration: { FunctionName: 'local-step', ...(userParameters !== undefined && { UserParameters: userParameters }) } },
        inputArtifacts: inputNames.map(name => location(name, 'in')),
        outputArtifacts: outputNames.map(name => location(name, 'out')),
        artifactCredentials: { ...credentials, sessionToken: credentials.sessionToken ?? 'local-session', expirationTime: Date.now() + 3_600_000 },
        ...(options.continuationToken && { continuationToken: options.continuationToken }),
        ...(options.encryptionKeyId && { encryptionKey: { id: options.encryptionKeyId, type: 'KMS' } }),
      },
    },
  };
}

function inProcess(handler: PipelineJobLambdaHandler): Invoker {
  return async (event, timeoutMillis, environment, logs) => {
    const restoreEnvironment = setEnvironment(environment);
    const restoreConsole = captureConsole(logs);
    const context = lambdaContext(timeoutMillis);
    let timer: NodeJS.Timeout | undefined;
    try {
      const finished = Promise.resolve().then(() => handler(event, context)).then(
        () => ({ timedOut: false }),
        (error: unknown) => ({ timedOut: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
      );
      const timedOut = new Promise<{ timedOut: boolean }>(resolve => {
        timer = setTimeout(() => resolve({ timedOut: true }), timeoutMillis + 100);
      });
      return await Promise.race([finished, timedOut]);
    } finally {
      clearTimeout(timer);
      restoreConsole();
      restoreEnvironment();
    }
  };
}

function inChildProcess(assetDirectory: string, handlerName: string): Invoker {
  const nodePath = sdkNodeModules();
  const runner = runnerArguments();
  return (event, timeoutMillis, environment, logs) => new Promise((resolve, reject) => {
    const eventFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'step-event-')), 'event.json');
    fs.writeFileSync(eventFile, JSON.stringify(event));
    const child = spawn(process.execPath, runner, {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_PATH: nodePath,
        ...environment,
        LOCAL_STEP_ASSET: assetDirectory,
        LOCAL_STEP_HANDLER: handlerName,
        LOCAL_STEP_EVENT: eventFile,
        LOCAL_STEP_TIMEOUT: String(timeoutMillis),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (stream: NodeJS.ReadableStream) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop()!;
        logs.push(...lines);
      });
      stream.on('end', () => pending && logs.push(pending));
    };
    collect(child.stdout!);
    collect(child.stderr!);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMillis + 1_000);
    child.on('error', reject);
    child.on('close', code => {
      clearTimeout(timer);
      fs.rmSync(path.dirname(eventFile), { recursive: true, force: true });
      resolve({ timedOut, error: code === 0 || timedOut ? undefined : `exit code ${code}` });
    });
  });
}

/**
 * How to start bundled-handler-runner: its compiled JavaScript in the installed package; from this
 * repository's TypeScript sources (its own tests and main job), through ts-node.
 */
function runnerArguments(): string[] {
  const runner = require.resolve('./bundled-handler-runner');
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

function setEnvironment(environment: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(environment).map(name => [name, process.env[name]]));
  Object.assign(process.env, environment);
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  };
}

function captureConsole(logs: string[]): () => void {
  const levels = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = levels.map(level => console[level]);
  for (const level of levels) {
    console[level] = (...args: unknown[]) => {
      logs.push(args.map(arg => typeof arg === 'string' ? arg : arg instanceof Error ? arg.stack ?? arg.message : JSON.stringify(arg)).join(' '));
    };
  }
  return () => levels.forEach((level, index) => {
    console[level] = saved[index];
  });
}

let queue: Promise<unknown> = Promise.resolve();

/** In-process runs change process.env and console: one at a time. */
function exclusively<T>(work: () => Promise<T>): Promise<T> {
  const result = queue.then(work, work);
  queue = result.catch(() => undefined);
  return result;
}
