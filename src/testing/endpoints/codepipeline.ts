import { randomBytes, randomUUID } from 'crypto';
import * as http from 'http';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { checkAgainstModel, OPERATIONS, TARGET_PREFIX } from './codepipeline-model';
import { listenOnLoopback, stopServer } from './listen';
import { LOCAL_REGION } from './s3-client';
import { KnownCredentials, signedService, SignatureProblem, verifySignature } from './sigv4';

/**
 * CodePipeline quota "Maximum size of all output variables of an action" (the API model names the error,
 * OutputVariablesSizeExceededException, but not the size).
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html
 */
const OUTPUT_VARIABLES_MAX_BYTES = 122_880;

/** One request the endpoint received. */
export interface RecordedCall {
  /** The operation, e.g. PutJobSuccessResult; for a request signed for another service, `<service>:<target>`. */
  readonly operation: string;
  readonly input: any;
  /** The raw request body, for leak checks. */
  readonly body: string;
  /** The error code the endpoint answered with; undefined when it accepted the call. */
  readonly error?: string;
  /** Why, in the service's words or the harness's. */
  readonly errorMessage?: string;
  /** True when the call arrived after the invocation that could make it had ended. */
  readonly late?: boolean;
}

export interface LoopbackCodePipelineOptions {
  /**
   * Credentials it accepts (the function's role), and credentials it knows but refuses with
   * AccessDeniedException (the artifact credentials). @default function-role credentials of its own (`functionCredentials`)
   */
  readonly credentials?: readonly KnownCredentials[];
}

const ERROR_STATUS: Readonly<Record<string, number>> = { InternalFailure: 500, ServiceUnavailableException: 503 };

/**
 * A CodePipeline endpoint on a random port of 127.0.0.1 speaking the service's JSON 1.1 protocol,
 * checking what the service checks: the SigV4 signature and whose credentials signed, the input
 * against the API model (codepipeline-model.generated.ts), and the job's state (one result per job,
 * only for a job that is running). It records every request, accepted or not.
 */
export class LoopbackCodePipeline {
  public static async start(options: LoopbackCodePipelineOptions = {}): Promise<LoopbackCodePipeline> {
    const endpoint = new LoopbackCodePipeline(options);
    endpoint.address = await listenOnLoopback(endpoint.server);
    return endpoint;
  }

  /** The function role's credentials this endpoint accepts. */
  public readonly functionCredentials: KnownCredentials;
  public readonly calls: RecordedCall[] = [];
  private address = '';
  private readonly credentials: readonly KnownCredentials[];
  private readonly queuedErrors: Array<{ name: string; status: number }> = [];
  /** Jobs by id: `running` takes a result, `reported` has one. */
  private readonly jobs = new Map<string, 'running' | 'reported'>();
  private invocationOpen = true;
  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', chunk => chunks.push(chunk));
    request.on('end', () => {
      this.handle(request, Buffer.concat(chunks).toString('utf8')).then(({ status, body, errorType }) => {
        if (errorType && speaksXml(request)) {
          response.writeHead(status, { 'content-type': 'text/xml' });
          response.end(xmlError(errorType, (body as { message?: string }).message ?? ''));
          return;
        }
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(errorType && { 'x-amzn-errortype': errorType }) });
        response.end(JSON.stringify(body));
      }, (error: Error) => {
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'InternalFailure' });
        response.end(JSON.stringify({ __type: 'InternalFailure', message: error.message }));
      });
    });
  });

  private constructor(options: LoopbackCodePipelineOptions) {
    this.functionCredentials = options.credentials?.find(known => known.principal === 'function') ?? {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(60).toString('base64'),
      principal: 'function',
    };
    this.credentials = options.credentials ?? [this.functionCredentials];
  }

  /** The endpoint's URL, `http://127.0.0.1:<port>`. */
  public get endpoint(): string {
    return this.address;
  }

  /** A job starts: the function is invoked for it, and it takes one result. */
  public startJob(jobId: string): void {
    this.jobs.set(jobId, 'running');
    this.invocationOpen = true;
  }

  /** The failure reporter is invoked: its calls are on time until `endInvocation()`. */
  public startReporterInvocation(): void {
    this.invocationOpen = true;
  }

  /** The invocation ended: Lambda freezes the function, so anything it sends from now on is late and refused. */
  public endInvocation(): void {
    this.invocationOpen = false;
  }

  /** The next calls answer with these service errors, in order (HTTP 400 unless given). */
  public failNextCalls(...errors: Array<string | { name: string; status: number }>) {
    this.queuedErrors.push(...errors.map(error => typeof error === 'string' ? { name: error, status: ERROR_STATUS[error] ?? 400 } : error));
  }

  /** A client for this endpoint, signing as the function's role, that does not retry, so every call the endpoint answers is visible. */
  public client(): CodePipelineClient {
    const { accessKeyId, secretAccessKey, sessionToken } = this.functionCredentials;
    return new CodePipelineClient({
      endpoint: this.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId, secretAccessKey, sessionToken },
      maxAttempts: 1,
    });
  }

  public reset() {
    this.calls.length = 0;
    this.queuedErrors.length = 0;
    this.jobs.clear();
    this.invocationOpen = true;
  }

  public async stop(): Promise<void> {
    await stopServer(this.server);
  }

  private async handle(request: http.IncomingMessage, body: string): Promise<{ status: number; body: object; errorType?: string }> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const service = signedService(request);
    const operation = service && service !== 'codepipeline' ? `${service}:${target || request.url}` : target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    let input: any = {};
    const refuse = (error: string, message: string, status = 400) => {
      this.calls.push({ operation, input, body, error, errorMessage: message, ...(!this.invocationOpen && { late: true }) });
      return { status, errorType: error, body: { __type: error, message } };
    };
    if (service && service !== 'codepipeline') {
      return refuse('UnknownServiceException', `The local run serves CodePipeline and S3 only; this request was signed for '${service}', which the harness does not model`);
    }
    if (!this.invocationOpen) {
      return refuse('InvocationEnded', 'The invocation had ended: Lambda freezes the function when its handler returns, so this call would not reach CodePipeline (the harness refused it)');
    }
    const signature = await verifySignature(request, this.credentials, { payload: body, uriEscapePath: true });
    if (!signature.ok) {
      return refuse(...signatureError(signature.problem, signature.detail));
    }
    if (!target.startsWith(TARGET_PREFIX)) {
      return refuse('UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target header)'}`);
    }
    try {
      input = body ? JSON.parse(body) : {};
    } catch {
      return refuse('SerializationException', 'The request body is not valid JSON');
    }
    if (signature.credentials.principal === 'reporter' && operation !== 'PutJobFailureResult') {
      return refuse('AccessDeniedException', `The step's failure reporter's role is not authorized to perform: codepipeline:${operation} (it may call PutJobFailureResult only)`);
    }
    if (signature.credentials.principal === 'artifact') {
      return refuse('AccessDeniedException', `User: the job's artifact credentials are not authorized to perform: codepipeline:${operation} (they grant access to the artifact bucket only; call CodePipeline with the function's own role)`);
    }
    if (!OPERATIONS[operation]) {
      return refuse('AccessDeniedException', `The function's role is not authorized to perform: codepipeline:${operation} (a LambdaInvokeStep's role may call PutJobSuccessResult and PutJobFailureResult)`);
    }
    const violation = checkAgainstModel(operation, input);
    if (violation) {
      return refuse(violation.code, violation.message);
    }
    const queued = this.queuedErrors.shift();
    if (queued) {
      return refuse(queued.name, `${queued.name} from the loopback endpoint`, queued.status);
    }
    const state = this.jobs.get(input.jobId);
    if (!state) {
      return refuse('JobNotFoundException', `The job ${input.jobId} was not found: it is not the job this invocation was given`);
    }
    if (operation === 'AcknowledgeJob') {
      this.calls.push({ operation, input, body });
      return { status: 200, body: { status: state === 'running' ? 'InProgress' : 'Succeeded' } };
    }
    if (state === 'reported') {
      return refuse('InvalidJobStateException', `The job ${input.jobId} already has a result: CodePipeline takes one per job`);
    }
    const variablesBytes = Object.entries<string>(input.outputVariables ?? {})
      .reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
    if (variablesBytes > OUTPUT_VARIABLES_MAX_BYTES) {
      return refuse('OutputVariablesSizeExceededException', `The output variables total ${variablesBytes} bytes; an action's may total at most ${OUTPUT_VARIABLES_MAX_BYTES}`);
    }
    if (input.continuationToken && input.outputVariables) {
      return refuse('ValidationException', 'outputVariables can only be set when the job is completed, not with a continuationToken');
    }
    this.jobs.set(input.jobId, 'reported');
    this.calls.push({ operation, input, body });
    return { status: 200, body: {} };
  }
}

/** The JSON protocol's answer to a refused signature, as AWS services give it. */
function signatureError(problem: SignatureProblem, detail: string): [string, string] {
  switch (problem) {
    case 'missing':
      return ['MissingAuthenticationTokenException', `Missing Authentication Token (${detail})`];
    case 'unknown-key':
    case 'invalid-token':
      return ['UnrecognizedClientException', `The security token included in the request is invalid (${detail})`];
    case 'expired':
      return ['ExpiredTokenException', `The security token included in the request is expired (${detail})`];
    case 'skewed':
      return ['InvalidSignatureException', `Signature expired: ${detail}`];
    default:
      return ['InvalidSignatureException', `The request signature we calculated does not match the signature you provided (${detail})`];
  }
}

/**
 * Whether a request is of a service whose protocol is XML (AWS query, such as CloudFormation, SNS,
 * or REST-XML): no JSON target and no JSON body. Its clients can read an error only as XML.
 */
function speaksXml(request: http.IncomingMessage): boolean {
  return !request.headers['x-amz-target'] && !/json/.test(String(request.headers['content-type'] ?? ''));
}

/** An error as the AWS query protocol writes one, which REST-XML clients read too. */
function xmlError(code: string, message: string): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<ErrorResponse><Error><Type>Sender</Type><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error>`
    + `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}
