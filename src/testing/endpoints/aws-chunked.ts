import { createHash, Hash } from 'crypto';
import { Transform, TransformCallback } from 'stream';
import { ChunkSigning, chunkSignature, trailerSignature } from './sigv4';

/** A body S3 refuses while reading it: the error code and message S3 gives. */
export class S3BodyError extends Error {
  public override readonly name = 'S3BodyError';

  constructor(public readonly code: string, message: string, public readonly status = 400) {
    super(message);
  }
}

const CRLF = Buffer.from('\r\n');

/**
 * Decodes an `aws-chunked` request body (`<hex size>[;extensions]\r\n<data>\r\n`… `0\r\n`, then
 * trailing headers and an empty line), the encoding AWS SDKs use to stream an upload with its
 * checksum at the end. Passes the data on; the trailing headers are in `trailers` once it ends.
 * With `signing` (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]), each chunk's `chunk-signature`
 * and the `x-amz-trailer-signature` are checked as S3 checks them, each chained to the one before.
 */
export class AwsChunkedDecoder extends Transform {
  public readonly trailers: Record<string, string> = {};
  private buffered = Buffer.alloc(0);
  private remaining = 0;
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';
  private previousSignature: string;
  private chunk?: { readonly signature: string; readonly sha256: Hash };
  private canonicalTrailers = '';

  constructor(private readonly signing?: ChunkSigning) {
    super();
    this.previousSignature = signing?.seedSignature ?? '';
  }

  public _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    try {
      this.drain();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  public _flush(callback: TransformCallback): void {
    callback(this.state === 'done' ? undefined : new S3BodyError('IncompleteBody', 'The request body ended before its last aws-chunked chunk and trailer'));
  }

  private drain() {
    while (this.buffered.length > 0 && this.state !== 'done') {
      if (this.state === 'data') {
        const data = this.buffered.subarray(0, this.remaining);
        this.chunk?.sha256.update(data);
        this.push(data);
        this.remaining -= data.length;
        this.buffered = this.buffered.subarray(data.length);
        if (this.remaining === 0) {
          this.checkChunkSignature();
          this.state = 'data-end';
        }
        continue;
      }
      const lineEnd = this.buffered.indexOf(CRLF);
      if (lineEnd < 0) {
        if (this.buffered.length > 4096) {
          throw new S3BodyError('InvalidChunkSizeError', 'An aws-chunked chunk header is longer than 4096 bytes');
        }
        return;
      }
      const line = this.buffered.subarray(0, lineEnd).toString('latin1');
      this.buffered = this.buffered.subarray(lineEnd + CRLF.length);
      this.readLine(line);
    }
  }

  private readLine(line: string) {
    if (this.state === 'data-end') {
      if (line !== '') {
        throw new S3BodyError('IncompleteBody', 'An aws-chunked chunk is longer than its declared size');
      }
      this.state = 'size';
    } else if (this.state === 'size') {
      const [size, ...extensions] = line.split(';');
      if (!/^[0-9a-fA-F]+$/.test(size)) {
        throw new S3BodyError('InvalidChunkSizeError', `An aws-chunked chunk size is not hexadecimal: '${size.slice(0, 20)}'`);
      }
      this.remaining = parseInt(size, 16);
      if (this.signing) {
        const signature = extensions.find(extension => extension.startsWith('chunk-signature='))?.slice('chunk-signature='.length);
        if (!signature) {
          throw new S3BodyError('SignatureDoesNotMatch', 'A chunk of a signed aws-chunked body carries no chunk-signature', 403);
        }
        this.chunk = { signature, sha256: createHash('sha256') };
      }
      if (this.remaining === 0) {
        this.checkChunkSignature();
      }
      this.state = this.remaining === 0 ? 'trailer' : 'data';
    } else if (line === '') {
      this.state = 'done';
    } else {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (this.signing && name === 'x-amz-trailer-signature') {
        if (value !== trailerSignature(this.signing, this.previousSignature, this.canonicalTrailers)) {
          throw new S3BodyError('SignatureDoesNotMatch', 'The trailer signature of the aws-chunked body does not match the one computed from its trailers and the secret key', 403);
        }
        return;
      }
      this.trailers[name] = value;
      this.canonicalTrailers += `${name}:${value}\n`;
    }
  }

  /** A signed chunk's signature must chain from the one before and cover its data. */
  private checkChunkSignature() {
    if (!this.signing || !this.chunk) {
      return;
    }
    const expected = chunkSignature(this.signing, this.previousSignature, this.chunk.sha256.digest('hex'));
    if (this.chunk.signature !== expected) {
      throw new S3BodyError('SignatureDoesNotMatch', 'A chunk signature of the aws-chunked body does not match the one computed from its data and the secret key', 403);
    }
    this.previousSignature = expected;
    this.chunk = undefined;
  }
}
