import { createHash, randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { Readable, Transform, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { AwsChunkedDecoder, S3BodyError } from './aws-chunked';
import { listenOnLoopback, stopServer } from './listen';
import { ChunkSigning, chunkSigningOf, header, KnownCredentials, SignatureProblem, verifySignature } from './sigv4';

/** How an object was written: the encryption and checksum headers of its upload. */
export interface StoredObjectInfo {
  readonly serverSideEncryption?: string;
  readonly kmsKeyId?: string;
  /** Checksums the client sent and S3 verified, by algorithm (`crc32`, `sha256`, …), base64 as S3 gives them. */
  readonly checksums?: Readonly<Record<string, string>>;
  /** How many parts, for an object written by multipart upload. */
  readonly parts?: number;
}

export interface LoopbackS3EndpointOptions {
  /** The buckets that exist. @default ['pipeline-artifacts'] */
  readonly buckets?: readonly string[];
  /** Credentials it knows: `artifact` ones may read and write, `function` ones are refused (AccessDenied). */
  readonly credentials?: readonly KnownCredentials[];
}

interface StoredObject {
  readonly file: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType?: string;
  readonly info: StoredObjectInfo;
}

interface Upload {
  readonly bucket: string;
  readonly key: string;
  readonly info: StoredObjectInfo;
  readonly contentType?: string;
  readonly parts: Map<number, StoredObject>;
}

/** A refusal, as S3 words it. */
class S3Error extends Error {
  public override readonly name = 'S3Error';

  constructor(public readonly status: number, public readonly code: string, message: string) {
    super(message);
  }
}

/** Checksum algorithms S3 takes whose value the endpoint can verify, with how to compute each. */
const CHECKSUMS: Readonly<Record<string, () => { update(data: Buffer): void; digest(): string }>> = {
  crc32: () => {
    let value = 0;
    return {
      update: data => {
        value = zlib.crc32(data, value);
      },
      digest: () => {
        const bytes = Buffer.alloc(4);
        bytes.writeUInt32BE(value);
        return bytes.toString('base64');
      },
    };
  },
  sha1: () => hashOf('sha1'),
  sha256: () => hashOf('sha256'),
};
/** The aws-chunked bodies S3 takes (x-amz-content-sha256): unsigned with trailers, or each chunk signed, with or without trailers. */
const STREAMING_PAYLOADS = ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'];

/** S3 enforces this on every part of a multipart upload but the last. */
const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * The S3 a pipeline step uses, on a random port of 127.0.0.1: PutObject (plain, or aws-chunked
 * with a trailing checksum), GetObject (ranges and If-Match too), HeadObject, ListObjectsV2, and multipart
 * upload (create, upload part, complete, abort). Like the pipeline's artifact bucket, it takes
 * only requests signed (SigV4) with the job's artifact credentials, verifies the checksums and
 * Content-MD5 a client sends, records encryption headers, and answers errors with S3's XML.
 * Objects are kept in a temporary directory.
 */
export class LoopbackS3Endpoint {
  public static async start(options: LoopbackS3EndpointOptions = {}): Promise<LoopbackS3Endpoint> {
    const endpoint = new LoopbackS3Endpoint(fs.mkdtempSync(path.join(os.tmpdir(), 'loopback-s3-')), options);
    try {
      endpoint.address = await listenOnLoopback(endpoint.server);
    } catch (error) {
      fs.rmSync(endpoint.directory, { recursive: true, force: true });
      throw error;
    }
    return endpoint;
  }

  /** Requests refused after `endInvocation()`, until the next `startInvocation()`. */
  public readonly lateRequests: string[] = [];
  private address = '';
  private invocationOpen = true;
  private readonly buckets: ReadonlySet<string>;
  private readonly credentials: readonly KnownCredentials[];
  private readonly objects = new Map<string, StoredObject>();
  private readonly uploads = new Map<string, Upload>();
  /** Each authorized request's chunk signing, for a body whose chunks are signed. */
  private readonly chunkSigning = new WeakMap<http.IncomingMessage, ChunkSigning>();
  /** Requests being handled: stop() waits for them, since a cut upload may still be creating its file. */
  private readonly handling = new Set<Promise<void>>();
  private readonly server = http.createServer((request, response) => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    const handled = this.handle(request, response).then(() => undefined, (error: unknown) => {
      const refusal = error instanceof S3Error ? error
        : error instanceof S3BodyError ? new S3Error(error.status, error.code, error.message)
          : new S3Error(500, 'InternalError', String(error));
      request.resume();
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.writeHead(refusal.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
      response.end(request.method === 'HEAD' ? undefined : errorXml(refusal.code, refusal.message, requestId));
    });
    this.handling.add(handled);
    void handled.finally(() => this.handling.delete(handled));
  });

  private constructor(private readonly directory: string, options: LoopbackS3EndpointOptions) {
    this.buckets = new Set(options.buckets ?? ['pipeline-artifacts']);
    this.credentials = options.credentials ?? [];
  }

  /** The endpoint's URL, `http://127.0.0.1:<port>`. */
  public get endpoint(): string {
    return this.address;
  }

  /** How the object was written, or undefined if it does not exist. */
  public objectInfo(bucket: string, key: string): StoredObjectInfo | undefined {
    return this.objects.get(`${bucket}/${key}`)?.info;
  }

  /** Stores a copy of a file as an object directly, as CodePipeline does with an input artifact. */
  public async seedObject(bucket: string, key: string, source: string): Promise<void> {
    const file = this.newFile();
    const md5 = createHash('md5');
    await pipeline(fs.createReadStream(source), new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        callback(null, chunk);
      },
    }), fs.createWriteStream(file));
    this.objects.set(`${bucket}/${key}`, {
      file, size: fs.statSync(file).size, etag: `"${md5.digest('hex')}"`, lastModified: new Date(), info: {},
    });
  }

  /** The file holding the object, to read directly (undefined if it does not exist); it goes with the endpoint when it stops. */
  public objectFile(bucket: string, key: string): string | undefined {
    return this.objects.get(`${bucket}/${key}`)?.file;
  }

  /** The object's bytes, read directly (undefined if it does not exist). */
  public readObject(bucket: string, key: string): Buffer | undefined {
    const file = this.objectFile(bucket, key);
    return file === undefined ? undefined : fs.readFileSync(file);
  }

  public startInvocation(): void {
    this.invocationOpen = true;
  }

  /** The invocation ended: Lambda freezes the function, so requests from now on are late and refused. */
  public endInvocation(): void {
    this.invocationOpen = false;
  }

  public async stop(): Promise<void> {
    await stopServer(this.server);
    await Promise.all(this.handling);
    fs.rmSync(this.directory, { recursive: true, force: true });
  }

  private newFile(): string {
    return path.join(this.directory, randomUUID());
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://loopback');
    const [bucket, ...keyParts] = url.pathname.slice(1).split('/').map(decodeURIComponent);
    const key = keyParts.join('/');
    const query = url.searchParams;
    if (!this.invocationOpen) {
      this.lateRequests.push(`${request.method} ${url.pathname}`);
      throw new S3Error(403, 'AccessDenied', 'The invocation had ended: Lambda freezes the function when its handler returns, so this request would not reach S3 (the harness refused it)');
    }
    await this.authorize(request);
    if (!this.buckets.has(bucket)) {
      throw new S3Error(404, 'NoSuchBucket', `The specified bucket does not exist: ${bucket}`);
    }
    const method = request.method;
    if (method === 'PUT' && key && query.has('uploadId')) {
      return this.uploadPart(request, response, this.upload(query.get('uploadId')!), Number(query.get('partNumber')));
    }
    if (method === 'PUT' && key && !header(request, 'x-amz-copy-source')) {
      return this.putObject(request, response, bucket, key);
    }
    if (method === 'POST' && key && query.has('uploads')) {
      return this.createMultipartUpload(request, response, bucket, key);
    }
    if (method === 'POST' && key && query.has('uploadId')) {
      return this.completeMultipartUpload(request, response, query.get('uploadId')!);
    }
    if (method === 'DELETE' && key && query.has('uploadId')) {
      this.upload(query.get('uploadId')!);
      this.uploads.delete(query.get('uploadId')!);
      response.writeHead(204);
      return response.end();
    }
    if ((method === 'GET' || method === 'HEAD') && key) {
      return this.getObject(request, response, bucket, key);
    }
    if (method === 'GET' && !key && query.get('list-type') === '2') {
      return this.listObjectsV2(response, bucket, query);
    }
    throw new S3Error(501, 'NotImplemented', `The loopback S3 endpoint does not implement ${method} ${url.pathname}${url.search} (see README, "What the local run checks")`);
  }

  private async authorize(request: http.IncomingMessage) {
    if (header(request, 'authorization') && !header(request, 'x-amz-content-sha256')) {
      throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    }
    const signature = await verifySignature(request, this.credentials, { uriEscapePath: false });
    if (!signature.ok) {
      throw signatureError(signature.problem, signature.detail);
    }
    if (signature.service !== 's3') {
      throw new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; the credential scope names service '${signature.service}', expected 's3'`);
    }
    if (signature.credentials.principal !== 'artifact') {
      throw new S3Error(403, 'AccessDenied', 'Access Denied: the function\'s own role has no access to the pipeline\'s artifact bucket; use the job\'s artifactCredentials');
    }
    this.chunkSigning.set(request, chunkSigningOf(request, signature.credentials));
  }

  private async putObject(request: http.IncomingMessage, response: http.ServerResponse, bucket: string, key: string) {
    const stored = await this.receiveBody(request, sseInfo(request), header(request, 'content-type'));
    this.objects.set(`${bucket}/${key}`, stored);
    response.writeHead(200, { etag: stored.etag, ...checksumHeaders(stored.info.checksums), ...sseHeaders(stored.info) });
    response.end();
  }

  private async createMultipartUpload(request: http.IncomingMessage, response: http.ServerResponse, bucket: string, key: string) {
    request.resume();
    const uploadId = randomBytes(24).toString('base64url');
    this.uploads.set(uploadId, { bucket, key, info: sseInfo(request), contentType: header(request, 'content-type'), parts: new Map() });
    response.writeHead(200, { 'content-type': 'application/xml', ...sseHeaders(sseInfo(request)) });
    response.end(xml('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId }));
  }

  private async uploadPart(request: http.IncomingMessage, response: http.ServerResponse, upload: Upload, partNumber: number) {
    if (!(Number.isInteger(partNumber) && partNumber >= 1 && partNumber <= 10_000)) {
      throw new S3Error(400, 'InvalidArgument', `Part number must be an integer between 1 and 10000, inclusive; got ${partNumber}`);
    }
    const part = await this.receiveBody(request, {});
    upload.parts.set(partNumber, part);
    response.writeHead(200, { etag: part.etag, ...checksumHeaders(part.info.checksums) });
    response.end();
  }

  private async completeMultipartUpload(request: http.IncomingMessage, response: http.ServerResponse, uploadId: string) {
    const upload = this.upload(uploadId);
    const body = await readAll(request);
    const listed = [...body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, part]) => ({
      number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(part)?.[1]),
      etag: unescapeXml(/<ETag>([\s\S]*?)<\/ETag>/.exec(part)?.[1] ?? ''),
    }));
    if (listed.length === 0) {
      throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema (no parts)');
    }
    if (listed.some((part, index) => index > 0 && part.number <= listed[index - 1].number)) {
      throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
    }
    listed.forEach((part, index) => {
      const stored = upload.parts.get(part.number);
      if (!stored || stored.etag.replace(/"/g, '') !== part.etag.replace(/"/g, '')) {
        throw new S3Error(400, 'InvalidPart', `One or more of the specified parts could not be found or its entity tag did not match: part ${part.number}`);
      }
      if (index < listed.length - 1 && stored.size < MIN_PART_SIZE) {
        throw new S3Error(400, 'EntityTooSmall', `Your proposed upload is smaller than the minimum allowed size: part ${part.number} is ${stored.size} bytes, every part but the last must be at least ${MIN_PART_SIZE}`);
      }
    });
    const file = this.newFile();
    const output = fs.createWriteStream(file);
    for (const part of listed) {
      await pipeline(fs.createReadStream(upload.parts.get(part.number)!.file), output, { end: false });
    }
    await new Promise<void>((resolve, reject) => output.end((error?: Error | null) => error ? reject(error) : resolve()));
    const partDigests = Buffer.concat(listed.map(part => Buffer.from(upload.parts.get(part.number)!.etag.replace(/"/g, ''), 'hex')));
    const etag = `"${createHash('md5').update(partDigests).digest('hex')}-${listed.length}"`;
    this.objects.set(`${upload.bucket}/${upload.key}`, {
      file,
      size: fs.statSync(file).size,
      etag,
      lastModified: new Date(),
      contentType: upload.contentType,
      info: { ...upload.info, parts: listed.length },
    });
    this.uploads.delete(uploadId);
    response.writeHead(200, { 'content-type': 'application/xml', ...sseHeaders(upload.info) });
    response.end(xml('CompleteMultipartUploadResult', { Location: `${this.endpoint}/${upload.bucket}/${upload.key}`, Bucket: upload.bucket, Key: upload.key, ETag: etag }));
  }

  private async getObject(request: http.IncomingMessage, response: http.ServerResponse, bucket: string, key: string) {
    const stored = this.objects.get(`${bucket}/${key}`);
    if (!stored) {
      throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    }
    // As S3 does: an If-Match that names another version (the object was replaced) answers 412, whatever the range.
    const ifMatch = header(request, 'if-match');
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch.replace(/"/g, '') !== stored.etag.replace(/"/g, '')) {
      throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    }
    const range = parseRange(header(request, 'range'), stored.size);
    const headers: http.OutgoingHttpHeaders = {
      'content-type': stored.contentType ?? 'binary/octet-stream',
      'content-length': range ? range.end - range.start + 1 : stored.size,
      'etag': stored.etag,
      'last-modified': stored.lastModified.toUTCString(),
      'accept-ranges': 'bytes',
      ...sseHeaders(stored.info),
      // S3 returns an object's checksum only for the whole object, and only when asked.
      ...(!range && header(request, 'x-amz-checksum-mode') === 'ENABLED' && checksumHeaders(stored.info.checksums)),
      ...(range && { 'content-range': `bytes ${range.start}-${range.end}/${stored.size}` }),
    };
    response.writeHead(range ? 206 : 200, headers);
    if (request.method === 'HEAD' || stored.size === 0) {
      response.end();
      return;
    }
    await pipeline(fs.createReadStream(stored.file, range ?? {}), response);
  }

  private listObjectsV2(response: http.ServerResponse, bucket: string, query: URLSearchParams) {
    const prefix = query.get('prefix') ?? '';
    const maxKeys = Math.min(Number(query.get('max-keys') ?? 1000), 1000);
    const after = query.has('continuation-token') ? Buffer.from(query.get('continuation-token')!, 'base64url').toString('utf8') : query.get('start-after') ?? '';
    const encode = query.get('encoding-type') === 'url' ? (text: string) => encodeURIComponent(text).replace(/%2F/g, '/') : (text: string) => text;
    const keys = [...this.objects.keys()]
      .filter(name => name.startsWith(`${bucket}/`))
      .map(name => name.slice(bucket.length + 1))
      .filter(name => name.startsWith(prefix) && name > after)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const contents = page.map(name => {
      const stored = this.objects.get(`${bucket}/${name}`)!;
      return `<Contents>${xmlFields({ Key: encode(name), LastModified: stored.lastModified.toISOString(), ETag: stored.etag, Size: String(stored.size), StorageClass: 'STANDARD' })}</Contents>`;
    }).join('');
    const fields = xmlFields({
      Name: bucket,
      Prefix: encode(prefix),
      KeyCount: String(page.length),
      MaxKeys: String(maxKeys),
      IsTruncated: String(truncated),
      ...(query.get('encoding-type') === 'url' && { EncodingType: 'url' }),
      ...(query.has('continuation-token') && { ContinuationToken: query.get('continuation-token')! }),
      ...(truncated && { NextContinuationToken: Buffer.from(page[page.length - 1]).toString('base64url') }),
    });
    response.writeHead(200, { 'content-type': 'application/xml' });
    response.end(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${fields}${contents}</ListBucketResult>`);
  }

  private upload(uploadId: string): Upload {
    const upload = this.uploads.get(uploadId);
    if (!upload) {
      throw new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
    }
    return upload;
  }

  /**
   * Reads an upload's body to a file as S3 does: decodes aws-chunked, checks x-amz-content-sha256,
   * Content-MD5, the declared length and every checksum the client sent (header or trailer).
   */
  private async receiveBody(request: http.IncomingMessage, info: StoredObjectInfo, contentType?: string): Promise<StoredObject> {
    const contentSha256 = header(request, 'x-amz-content-sha256');
    const chunked = contentSha256?.startsWith('STREAMING-');
    if (chunked && !STREAMING_PAYLOADS.includes(contentSha256!)) {
      throw new S3Error(400, 'InvalidArgument', `x-amz-content-sha256 ${contentSha256} is not a payload S3 takes: ${STREAMING_PAYLOADS.join(', ')}, a SHA-256 or UNSIGNED-PAYLOAD`);
    }
    const signed = chunked && contentSha256 !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
    const trailerNames = (header(request, 'x-amz-trailer') ?? '').split(',').map(name => name.trim().toLowerCase()).filter(Boolean);
    const algorithms = [...new Set([
      ...Object.keys(request.headers).filter(name => name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-type' && name !== 'x-amz-checksum-mode'),
      ...trailerNames,
    ].map(name => name.replace('x-amz-checksum-', '')))];
    const computing = Object.fromEntries(algorithms.filter(algorithm => CHECKSUMS[algorithm]).map(algorithm => [algorithm, CHECKSUMS[algorithm]()]));
    const md5 = createHash('md5');
    // Only a signed payload names its SHA-256 (UNSIGNED-PAYLOAD and the streaming forms do not).
    const signedPayloadHash = contentSha256 && /^[0-9a-f]{64}$/.test(contentSha256) ? contentSha256 : undefined;
    const sha256 = signedPayloadHash ? createHash('sha256') : undefined;
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        md5.update(chunk);
        sha256?.update(chunk);
        Object.values(computing).forEach(checksum => checksum.update(chunk));
        callback(null, chunk);
      },
    });
    const decoder = chunked ? new AwsChunkedDecoder(signed ? this.chunkSigning.get(request) : undefined) : undefined;
    const file = this.newFile();
    await pipeline([request, ...(decoder ? [decoder] : []), measure, fs.createWriteStream(file)] as unknown as [Readable, Writable]);

    const sent = { ...pick(request.headers, algorithms.map(algorithm => `x-amz-checksum-${algorithm}`)), ...decoder?.trailers };
    const declaredLength = header(request, chunked ? 'x-amz-decoded-content-length' : 'content-length');
    const problem = declaredLength !== undefined && Number(declaredLength) !== size
      ? new S3Error(400, 'IncompleteBody', `You did not provide the number of bytes specified by the ${chunked ? 'x-amz-decoded-content-length' : 'Content-Length'} header (${declaredLength}); got ${size}`)
      : signedPayloadHash && signedPayloadHash !== sha256!.digest('hex')
        ? new S3Error(400, 'XAmzContentSHA256Mismatch', 'The provided \'x-amz-content-sha256\' header does not match what was computed.')
        : header(request, 'content-md5') && header(request, 'content-md5') !== md5.copy().digest('base64')
          ? new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.')
          : undefined;
    const checksums: Record<string, string> = {};
    for (const [algorithm, checksum] of Object.entries(computing)) {
      const value = checksum.digest();
      if (sent[`x-amz-checksum-${algorithm}`] !== value) {
        fs.rmSync(file, { force: true });
        throw new S3Error(400, 'BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
      }
      checksums[algorithm] = value;
    }
    if (problem) {
      fs.rmSync(file, { force: true });
      throw problem;
    }
    return {
      file,
      size,
      contentType,
      lastModified: new Date(),
      etag: `"${md5.digest('hex')}"`,
      info: { ...info, ...(Object.keys(checksums).length > 0 && { checksums }) },
    };
  }
}

function hashOf(algorithm: string) {
  const hash = createHash(algorithm);
  return { update: (data: Buffer) => hash.update(data), digest: () => hash.digest('base64') };
}

function pick(headers: http.IncomingHttpHeaders, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter(name => typeof headers[name] === 'string').map(name => [name, headers[name] as string]));
}

function sseInfo(request: http.IncomingMessage): StoredObjectInfo {
  const serverSideEncryption = header(request, 'x-amz-server-side-encryption');
  const kmsKeyId = header(request, 'x-amz-server-side-encryption-aws-kms-key-id');
  return { ...(serverSideEncryption && { serverSideEncryption }), ...(kmsKeyId && { kmsKeyId }) };
}

function sseHeaders(info: StoredObjectInfo): Record<string, string> {
  return {
    ...(info.serverSideEncryption && { 'x-amz-server-side-encryption': info.serverSideEncryption }),
    ...(info.kmsKeyId && { 'x-amz-server-side-encryption-aws-kms-key-id': info.kmsKeyId }),
  };
}

function checksumHeaders(checksums: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(checksums ?? {}).map(([algorithm, value]) => [`x-amz-checksum-${algorithm}`, value]));
}

function parseRange(range: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = range && /^bytes=(\d*)-(\d*)$/.exec(range);
  if (!match || (match[1] === '' && match[2] === '')) {
    return undefined;
  }
  const [start, end] = match[1] === ''
    ? [Math.max(size - Number(match[2]), 0), size - 1]
    : [Number(match[1]), Math.min(match[2] === '' ? size - 1 : Number(match[2]), size - 1)];
  if (start >= size || start > end) {
    throw new S3Error(416, 'InvalidRange', `The requested range is not satisfiable: ${range} of an object of ${size} bytes`);
  }
  return { start, end };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function signatureError(problem: SignatureProblem, detail: string): S3Error {
  switch (problem) {
    case 'missing':
      return new S3Error(403, 'AccessDenied', 'Access Denied (the request is not signed)');
    case 'unknown-key':
      return new S3Error(403, 'InvalidAccessKeyId', `The AWS Access Key Id you provided does not exist in our records (${detail}).`);
    case 'invalid-token':
      return new S3Error(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
    case 'expired':
      return new S3Error(400, 'ExpiredToken', `The provided token has expired (${detail}).`);
    case 'skewed':
      return new S3Error(403, 'RequestTimeTooSkewed', `The difference between the request time and the current time is too large (${detail}).`);
    case 'malformed':
      return new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed (${detail}).`);
    default:
      return new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeXml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function xmlFields(fields: Record<string, string>): string {
  return Object.entries(fields).map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('');
}

function xml(root: string, fields: Record<string, string>): string {
  return `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${xmlFields(fields)}</${root}>`;
}

function errorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error>${xmlFields({ Code: code, Message: message, RequestId: requestId, HostId: requestId })}</Error>`;
}
