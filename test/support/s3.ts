import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ArtifactCredentials } from '../../src/runtime';
import { AwsChunkedDecoder } from '../../src/testing/endpoints/aws-chunked';
import { loopbackS3ClientConfig } from '../../src/testing/endpoints/s3-client';

// s3rver ships no types. It keeps the access keys it accepts in DUMMY_ACCOUNT; the job events' keys must be in it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped CommonJS package
const S3rver = require('s3rver');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of s3rver, untyped
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void } };

export interface RecordedS3Request {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  /** Whether the client closed the connection before the response ended. */
  closedEarly?: boolean;
  /** The status the client was answered, injected or s3rver's; undefined when no answer came. */
  status?: number;
}

/** A fault the proxy injects into the next `times` requests that match, as S3 under load or a flaky network would. */
export interface S3Fault {
  readonly method: string;
  /** Matches the request's path, such as /\/Copy\// for the output artifact named Copy. */
  readonly path: RegExp;
  /** Matches the request's headers too, when given. */
  readonly headers?: (headers: http.IncomingHttpHeaders) => boolean;
  /** Answer with this status and S3 error code instead of forwarding. */
  readonly error?: { readonly status: number; readonly code: string; readonly message?: string };
  /** Forward, then cut the connection after this many bytes of the response body. */
  readonly dropAfterBytes?: number;
  /** Forward, then hold the response body back this long (the client may give up first). */
  readonly stallMillis?: number;
  times: number;
}

/**
 * s3rver (a third-party S3 implementation from npm) served on a random port of 127.0.0.1,
 * behind a proxy of ours that records every request's method, path and headers. s3rver predates
 * the aws-chunked uploads with trailing checksums that the SDK sends by default, so the proxy
 * decodes those bodies into plain ones on the way; s3rver then cannot check the signature of the
 * rewritten request (allowMismatchedSignatures). The built-in endpoint's own tests cover signatures.
 */
export class LoopbackS3 {
  public static async start(buckets: string[]): Promise<LoopbackS3> {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
    const s3rver = new S3rver({ directory, silent: true, address: '127.0.0.1', port: 0, allowMismatchedSignatures: true, configureBuckets: buckets.map(name => ({ name })) });
    const { port: s3rverPort } = await s3rver.run() as AddressInfo;
    const requests: RecordedS3Request[] = [];
    const faults: S3Fault[] = [];
    const server = http.createServer((request, response) => {
      const recorded: RecordedS3Request = { method: request.method!, url: request.url!, headers: request.headers };
      requests.push(recorded);
      response.on('close', () => recorded.closedEarly = !response.writableFinished);
      const fault = faults.find(candidate => candidate.times > 0 && candidate.method === request.method && candidate.path.test(request.url!)
        && (candidate.headers?.(request.headers) ?? true));
      if (fault) {
        fault.times--;
      }
      if (fault?.error) {
        request.resume();
        request.on('end', () => {
          recorded.status = fault.error!.status;
          response.writeHead(fault.error!.status, { 'content-type': 'application/xml' });
          response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.error!.code}</Code><Message>${fault.error!.message ?? 'injected by the test'}</Message></Error>`);
        });
        return;
      }
      const chunked = String(request.headers['x-amz-content-sha256']).startsWith('STREAMING-UNSIGNED-PAYLOAD');
      const headers: http.OutgoingHttpHeaders = { ...request.headers };
      if (chunked) {
        headers['content-length'] = String(request.headers['x-amz-decoded-content-length']);
        headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        for (const name of ['content-encoding', 'transfer-encoding', 'x-amz-decoded-content-length', 'x-amz-trailer']) {
          delete headers[name];
        }
      }
      // A connection of its own for each request (agent: false): Node.js's global agent keeps sockets
      // alive, and one that s3rver closed as idle while the proxy reused it reset the request, which the
      // runtime then rightly retried, an extra request no test asked for (seen on a busy machine).
      const forwarded = http.request({ host: '127.0.0.1', port: s3rverPort, method: request.method, path: request.url, headers, agent: false }, answer => {
        // A client that stops reading (the runtime, once it has the part it asked for) ends the upstream answer too.
        response.on('close', () => answer.destroy());
        recorded.status = answer.statusCode;
        response.writeHead(answer.statusCode!, answer.headers);
        if (fault?.dropAfterBytes !== undefined) {
          let sent = 0;
          answer.on('data', (chunk: Buffer) => {
            const room = fault.dropAfterBytes! - sent;
            sent += chunk.length;
            if (room > 0) {
              response.write(chunk.subarray(0, room));
            }
            if (sent >= fault.dropAfterBytes!) {
              answer.destroy();
              response.socket?.destroy();
            }
          });
          return;
        }
        if (fault?.stallMillis !== undefined) {
          setTimeout(() => answer.pipe(response), fault.stallMillis);
          return;
        }
        answer.pipe(response);
      });
      forwarded.on('error', () => response.destroy());
      (chunked ? request.pipe(new AwsChunkedDecoder()) : request).pipe(forwarded);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    return new LoopbackS3(server, s3rver, directory, requests, faults);
  }

  public readonly endpoint: string;

  private constructor(
    private readonly server: http.Server,
    private readonly s3rver: any,
    private readonly directory: string,
    public readonly requests: RecordedS3Request[],
    /** Faults to inject, consumed in order; cleared with `faults.length = 0`. */
    public readonly faults: S3Fault[],
  ) {
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** An S3 client for this server, signing with `credentials` (registered with s3rver first). */
  public client(credentials: ArtifactCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', sessionToken: 'none' }): S3Client {
    DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
    return new S3Client(loopbackS3ClientConfig(this.endpoint, credentials));
  }

  /** This server as the testing harness's external S3, with `credentials` registered. */
  public asExternalS3(bucket: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
    DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
    return { endpoint: this.endpoint, bucket, credentials };
  }

  public async put(bucket: string, key: string, body: Buffer | fs.ReadStream, contentLength?: number): Promise<void> {
    const client = this.client();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: contentLength }));
    client.destroy();
  }

  public async get(bucket: string, key: string): Promise<Buffer> {
    const client = this.client();
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(await response.Body!.transformToByteArray());
    client.destroy();
    return bytes;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
    await this.s3rver.close();
    fs.rmSync(this.directory, { recursive: true, force: true });
  }
}
