import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import { listenOnLoopback, stopServer } from './listen';

/** How an object was written: the encryption headers of its PutObject request. */
export interface StoredObjectInfo {
  readonly serverSideEncryption?: string;
  readonly kmsKeyId?: string;
}

/**
 * The part of S3 a pipeline step uses, on a random port of 127.0.0.1: path-style CreateBucket,
 * PutObject and GetObject, objects kept in a temporary directory. Enough to run a step locally;
 * it checks no signature and knows no other operation.
 */
export class LoopbackS3Endpoint {
  public static async start(): Promise<LoopbackS3Endpoint> {
    const endpoint = new LoopbackS3Endpoint(fs.mkdtempSync(path.join(os.tmpdir(), 'loopback-s3-')));
    try {
      endpoint.address = await listenOnLoopback(endpoint.server);
    } catch (error) {
      fs.rmSync(endpoint.directory, { recursive: true, force: true });
      throw error;
    }
    return endpoint;
  }

  private address = '';

  private readonly objects = new Map<string, { file: string; info: StoredObjectInfo }>();
  private readonly server = http.createServer((request, response) => {
    this.handle(request, response).catch(error => {
      response.writeHead(500, { 'content-type': 'application/xml' });
      response.end(s3Error('InternalError', String(error)));
    });
  });

  private constructor(private readonly directory: string) {}

  /** The endpoint's URL, `http://127.0.0.1:<port>`. */
  public get endpoint(): string {
    return this.address;
  }

  /** How the object was written, or undefined if it does not exist. */
  public objectInfo(bucket: string, key: string): StoredObjectInfo | undefined {
    return this.objects.get(`${bucket}/${key}`)?.info;
  }

  public async stop(): Promise<void> {
    await stopServer(this.server);
    fs.rmSync(this.directory, { recursive: true, force: true });
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const [bucket, ...keyParts] = url.pathname.slice(1).split('/').map(decodeURIComponent);
    const key = keyParts.join('/');
    if (request.method === 'PUT' && key) {
      const file = path.join(this.directory, `${this.objects.size}-${Math.random().toString(36).slice(2)}`);
      await pipeline(request, fs.createWriteStream(file));
      this.objects.set(`${bucket}/${key}`, {
        file,
        info: {
          serverSideEncryption: header(request, 'x-amz-server-side-encryption'),
          kmsKeyId: header(request, 'x-amz-server-side-encryption-aws-kms-key-id'),
        },
      });
      response.writeHead(200, { etag: '"loopback"' });
      response.end();
    } else if (request.method === 'PUT') {
      request.resume();
      response.writeHead(200);
      response.end();
    } else if (request.method === 'GET' && key) {
      const stored = this.objects.get(`${bucket}/${key}`);
      if (!stored) {
        response.writeHead(404, { 'content-type': 'application/xml' });
        response.end(s3Error('NoSuchKey', 'The specified key does not exist.'));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/zip', 'content-length': fs.statSync(stored.file).size });
      await pipeline(fs.createReadStream(stored.file), response);
    } else {
      request.resume();
      response.writeHead(501, { 'content-type': 'application/xml' });
      response.end(s3Error('NotImplemented', `The loopback S3 endpoint does not implement ${request.method} ${url.pathname}`));
    }
  }
}

function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}
