import { Transform, TransformCallback } from 'stream';

/** A body S3 refuses while reading it: the error code and message S3 gives. */
export class S3BodyError extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
  }
}

const CRLF = Buffer.from('\r\n');

/**
 * Decodes an `aws-chunked` request body (`<hex size>[;extensions]\r\n<data>\r\n`… `0\r\n`, then
 * trailing headers and an empty line), the encoding AWS SDKs use to stream an upload with its
 * checksum at the end. Passes the data on; the trailing headers are in `trailers` once it ends.
 */
export class AwsChunkedDecoder extends Transform {
  public readonly trailers: Record<string, string> = {};
  private buffered = Buffer.alloc(0);
  private remaining = 0;
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';

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
        this.push(data);
        this.remaining -= data.length;
        this.buffered = this.buffered.subarray(data.length);
        if (this.remaining === 0) {
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
      const size = line.split(';')[0];
      if (!/^[0-9a-fA-F]+$/.test(size)) {
        throw new S3BodyError('InvalidChunkSizeError', `An aws-chunked chunk size is not hexadecimal: '${size.slice(0, 20)}'`);
      }
      this.remaining = parseInt(size, 16);
      this.state = this.remaining === 0 ? 'trailer' : 'data';
    } else if (line === '') {
      this.state = 'done';
    } else {
      const colon = line.indexOf(':');
      this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
}
