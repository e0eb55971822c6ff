import * as http from 'http';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { listenOnLoopback, stopServer } from './listen';
import { LOCAL_REGION } from './s3-client';

/** One call the endpoint received. */
export interface RecordedCall {
  /** The operation, e.g. PutJobSuccessResult. */
  readonly operation: string;
  readonly input: any;
  /** The raw request body, for leak checks. */
  readonly body: string;
}

/**
 * A CodePipeline endpoint on a random port of 127.0.0.1 speaking the service's JSON 1.1
 * protocol: it records every call and answers `{}`, or a queued service error.
 */
export class LoopbackCodePipeline {
  public static async start(): Promise<LoopbackCodePipeline> {
    const endpoint = new LoopbackCodePipeline();
    endpoint.address = await listenOnLoopback(endpoint.server);
    return endpoint;
  }

  private address = '';

  public readonly calls: RecordedCall[] = [];
  private readonly queuedErrors: Array<{ name: string; status: number }> = [];
  private readonly server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', chunk => body += chunk);
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').replace(/^CodePipeline_20150709\./, '');
      this.calls.push({ operation, input: body ? JSON.parse(body) : {}, body });
      const error = this.queuedErrors.shift();
      if (error) {
        response.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': error.name });
        response.end(JSON.stringify({ __type: error.name, message: `${error.name} from the loopback endpoint` }));
      } else {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end('{}');
      }
    });
  });

  /** The endpoint's URL, `http://127.0.0.1:<port>`. */
  public get endpoint(): string {
    return this.address;
  }

  /** The next calls answer with these service errors, in order (HTTP 400 unless given). */
  public failNextCalls(...errors: Array<string | { name: string; status: number }>) {
    this.queuedErrors.push(...errors.map(error => typeof error === 'string' ? { name: error, status: 400 } : error));
  }

  /** A client for this endpoint that does not retry, so every call the endpoint answers is visible. */
  public client(): CodePipelineClient {
    return new CodePipelineClient({
      endpoint: this.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'loopback', secretAccessKey: 'loopback' },
      maxAttempts: 1,
    });
  }

  public reset() {
    this.calls.length = 0;
    this.queuedErrors.length = 0;
  }

  public async stop(): Promise<void> {
    await stopServer(this.server);
  }
}
