import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { inChildProcess, RunnerMessage } from './child-process';
import type { FunctionError, Invoker } from './invoker';
import { FunctionDescription, lambdaRuntimeEnvironment } from './lambda-environment';
import { listenOnLoopback, stopServer } from '../endpoints/listen';
import { StepRunError } from '../step-run-error';

const API = '/2018-06-01/runtime';

/**
 * The Lambda Runtime API for one invocation, on loopback, as AWS documents it: `invocation/next`
 * hands out the event once with the request's headers (and then, as Lambda does until the next
 * event, does not answer), `invocation/{id}/response` and `invocation/{id}/error` settle it,
 * `init/error` reports a runtime that could not start.
 */
class RuntimeApi {
  public static async start(event: unknown, timeoutMillis: number, functionArn: string, requestId: string): Promise<RuntimeApi> {
    const api = new RuntimeApi(event, timeoutMillis, functionArn, requestId);
    api.address = (await listenOnLoopback(api.server)).replace(/^http:\/\//, '');
    return api;
  }

  public address = '';
  private delivered = false;
  private settled = false;
  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', chunk => chunks.push(chunk));
    request.on('end', () => this.handle(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  private readonly listeners: Array<(message: RunnerMessage) => void> = [];

  private constructor(
    private readonly event: unknown, private readonly timeoutMillis: number, private readonly functionArn: string, private readonly requestId: string,
  ) {}

  public onSettled(deliver: (message: RunnerMessage) => void) {
    this.listeners.push(deliver);
  }

  public stop(): Promise<void> {
    return stopServer(this.server);
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse, body: string) {
    const url = request.url ?? '';
    const reply = (status: number, payload: object) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    };
    if (request.method === 'GET' && url === `${API}/invocation/next`) {
      if (this.delivered) {
        return; // The next event never comes: Lambda freezes the process here, and the harness stops it.
      }
      this.delivered = true;
      response.writeHead(200, {
        'content-type': 'application/json',
        'lambda-runtime-aws-request-id': this.requestId,
        'lambda-runtime-deadline-ms': String(Date.now() + this.timeoutMillis),
        'lambda-runtime-invoked-function-arn': this.functionArn,
        'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`,
      });
      response.end(JSON.stringify(this.event));
      return;
    }
    const invocation = new RegExp(`^${API}/invocation/([^/]+)/(response|error)$`).exec(url);
    if (request.method === 'POST' && invocation) {
      if (invocation[1] !== this.requestId) {
        return reply(400, { errorMessage: `Invalid request ID: '${invocation[1]}'`, errorType: 'InvalidRequestID' });
      }
      if (this.settled) {
        return reply(400, { errorMessage: 'The invocation already has a response', errorType: 'InvalidStateTransition' });
      }
      // A response whose body failed midway declares it in trailers (aws-lambda-go sends every POST
      // chunked with these trailers declared): Lambda records the invocation as failed.
      const failedMidway = request.trailers['lambda-runtime-function-error-type'] !== undefined;
      this.settle(invocation[2] === 'response' && !failedMidway ? undefined : reportedError(body, request));
      return reply(202, { status: 'OK' });
    }
    if (request.method === 'POST' && url === `${API}/init/error`) {
      this.settle(reportedError(body, request));
      return reply(202, { status: 'OK' });
    }
    reply(404, { errorMessage: `The Runtime API has no ${request.method} ${url}`, errorType: 'NotFound' });
  }

  private settle(error?: FunctionError) {
    this.settled = true;
    this.listeners.forEach(deliver => deliver({ settled: true, ...(error !== undefined && { error }) }));
  }
}

/**
 * A reported error's type and message: from the error trailers of a response that failed midway (the
 * body's JSON in base64), or from the JSON body of an error and its Lambda-Runtime-Function-Error-Type header.
 */
function reportedError(body: string, request: http.IncomingMessage): FunctionError {
  const trailerType = request.trailers['lambda-runtime-function-error-type'];
  const trailerBody = request.trailers['lambda-runtime-function-error-body'];
  const json = trailerType !== undefined ? Buffer.from(trailerBody ?? '', 'base64').toString('utf8') : body;
  let parsed: { errorType?: string; errorMessage?: string } = {};
  try {
    parsed = JSON.parse(json);
  } catch {
    // Not JSON: the body is the message.
  }
  const type = trailerType ?? parsed.errorType ?? request.headers['lambda-runtime-function-error-type'] ?? 'Unhandled';
  return { errorType: String(type), errorMessage: String(parsed.errorMessage ?? json) };
}

/** How to start a process that runs the function through the Runtime API: its command and what it adds to the environment. */
export interface RuntimeApiProcess {
  readonly command: string;
  readonly args: string[];
  readonly environment?: Record<string, string>;
  /** Whether the process is one of Lambda's runtime clients, which write their log events to Lambda's telemetry log. */
  readonly telemetryLog?: boolean;
}

/**
 * Runs each invocation in a process that asks a Runtime API of its own for the event, as every Lambda
 * runtime client does (a custom runtime's bootstrap, awslambdaric, the Java runtime interface client,
 * aws-lambda-go). Its working directory is the code's, as Lambda's is LAMBDA_TASK_ROOT.
 */
export function viaRuntimeApi(fn: FunctionDescription, start: RuntimeApiProcess): Invoker {
  return async (event, settings, logs, notes) => {
    // The request id and ARN the API hands out are the ones the environment describes, for one invocation.
    const runtimeEnvironment = lambdaRuntimeEnvironment(fn, settings.environment);
    const { LOCAL_STEP_FUNCTION_ARN: functionArn, LOCAL_STEP_REQUEST_ID: requestId } = runtimeEnvironment;
    const api = await RuntimeApi.start(event, settings.timeoutMillis, functionArn, requestId);
    // The API stays up until the process is stopped: the client's request for the next event waits there, as in Lambda.
    const invoke = inChildProcess(() => ({
      command: start.command,
      args: start.args,
      memoryMb: fn.memoryMb,
      environment: { ...runtimeEnvironment, ...start.environment, AWS_LAMBDA_RUNTIME_API: api.address },
      channel: 'runtime-api',
      subscribe: deliver => api.onSettled(deliver),
      cwd: fn.codeDirectory,
      onExit: () => void api.stop(),
      telemetryLog: start.telemetryLog,
    }));
    return invoke(event, settings, logs, notes).catch(async (error: unknown) => {
      await api.stop();
      throw error;
    });
  };
}

/** A custom runtime (`provided.al2023`, `provided.al2`): the code's executable `bootstrap`, started against a Runtime API of its own. */
export function inCustomRuntime(fn: FunctionDescription): Invoker {
  const bootstrap = path.join(fn.codeDirectory, 'bootstrap');
  try {
    fs.accessSync(bootstrap, fs.constants.X_OK);
  } catch {
    throw new StepRunError(`A custom runtime starts the executable bootstrap of the function's code, and ${bootstrap} is ${fs.existsSync(bootstrap) ? 'not executable' : 'not there'}`);
  }
  return viaRuntimeApi(fn, { command: bootstrap, args: [] });
}
