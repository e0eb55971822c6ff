import * as fs from 'fs';
import { Readable, Transform } from 'stream';
import { setTimeout as sleep } from 'timers/promises';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import type { GetObjectCommandOutput, PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { ArtifactError, stoppedBySignal } from './errors';
import { buffersPassed, memoryBudget } from './memory-budget';
import { s3Module } from './s3-sdk';
import type { FailureType } from './types';
import { LIMITS } from '../common/limits';

/** Attempts per transfer, the first included: S3 asks clients to retry 500 and 503 SlowDown with backoff. */
export const MAX_TRANSFER_ATTEMPTS = 5;
const BACKOFF_BASE_MILLIS = 200;
const BACKOFF_CAP_MILLIS = 5_000;

const THROTTLED_OR_UNAVAILABLE = new Set(['SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'TimeoutError']);
const CONNECTION_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE', 'ShortDownload']);
const ACCESS_ERRORS = new Set([
  'AccessDenied', 'AccessDeniedException', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'AllAccessDisabled',
]);

export interface Transfer {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly signal: AbortSignal;
  /** Says what was being done, for the error: "Could not read input artifact 'Source' from s3://…". */
  readonly action: string;
}

/** Objects at least this large are downloaded in ranges and uploaded in parts, several at once. */
const PARALLEL_THRESHOLD_BYTES = 64 * 1024 * 1024;
const PART_BYTES = 16 * 1024 * 1024;

/** One version of an object: its size and the ETag that every later range must match (If-Match). */
export interface ObjectVersion {
  readonly size: number;
  readonly etag?: string;
}

export interface DownloadOptions {
  /** Read this version, or fail (412 PreconditionFailed) when the object has changed since. */
  readonly version?: ObjectVersion;
  /** From this size on, nothing is written: the first answer's headers tell the version, and the object is left to `readRange`. */
  readonly unlessAtLeast?: number;
}

/**
 * Downloads the object to `file`. A large object is read in ranges of the same version (If-Match
 * on the ETag), several at once, each written at its place in the file. A connection that drops
 * mid-body resumes where it stopped; 5xx answers are retried with backoff.
 *
 * @returns the version read, and whether it was written (not when `unlessAtLeast` says so)
 */
export async function downloadToFile(transfer: Transfer, file: string, options: DownloadOptions = {}): Promise<ObjectVersion & { written: boolean }> {
  const handle = await fs.promises.open(file, 'w');
  let version = options.version;
  const leftInPlace = (size: number) => options.unlessAtLeast !== undefined && size >= options.unlessAtLeast;
  try {
    const toFile = (chunk: Buffer, at: number) => handle.write(chunk, 0, chunk.length, at).then(() => undefined);
    // The first request asks for the whole object: its answer gives the size, and a small object is read at once.
    await fetchRange(transfer, () => version?.etag, 0, undefined, response => {
      version = { size: response.ContentLength ?? 0, etag: response.ETag };
      if (leftInPlace(version.size)) {
        return 0;
      }
      return version.size >= PARALLEL_THRESHOLD_BYTES ? PART_BYTES : version.size;
    }, toFile);
    const { size } = version!;
    if (leftInPlace(size)) {
      return { ...version!, written: false };
    }
    const ranges: Array<[number, number]> = [];
    for (let start = size >= PARALLEL_THRESHOLD_BYTES ? PART_BYTES : size; start < size; start += PART_BYTES) {
      ranges.push([start, Math.min(start + PART_BYTES, size)]);
    }
    await inParallel(ranges, memoryBudget().transfers,
      ([start, end]) => fetchRange(transfer, () => version?.etag, start, end, () => end - start, toFile));
    return { ...version!, written: true };
  } finally {
    await handle.close();
  }
}

/** Bytes [start, end) of one version of the object, in memory: a read in place, retried and resumed as downloads are. */
export async function readRange(transfer: Transfer, version: ObjectVersion, start: number, end: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(end - start);
  await fetchRange(transfer, () => version.etag, start, end, () => end - start, (chunk, at) => {
    chunk.copy(bytes, at - start);
  });
  return bytes;
}

/**
 * Gives bytes [start, end) of the object to `sink`, each chunk with its position; `end` undefined
 * asks for the rest. `wanted` says how many bytes of the first answer to keep (0: none, the
 * headers were what was wanted). Every request but one without a known version must match it
 * (If-Match on its ETag); a connection that drops mid-body resumes where it stopped.
 */
async function fetchRange(
  transfer: Transfer, etag: () => string | undefined, start: number, end: number | undefined,
  wanted: (response: GetObjectCommandOutput) => number, sink: (chunk: Buffer, at: number) => Promise<void> | void,
): Promise<void> {
  const { GetObjectCommand } = await s3Module();
  let written = 0;
  let length: number | undefined;
  await withRetries(transfer, async () => {
    const from = start + written;
    const ifMatch = etag();
    const response = await transfer.s3.send(new GetObjectCommand({
      Bucket: transfer.bucket,
      Key: transfer.key,
      ...((from > 0 || end !== undefined) && { Range: `bytes=${from}-${end === undefined ? '' : end - 1}` }),
      ...(ifMatch && { IfMatch: ifMatch }),
    }), { abortSignal: transfer.signal });
    length ??= wanted(response);
    const body = response.Body as Readable;
    if (written >= length) {
      // The rest of a first answer is read by the ranges that follow, or not at all.
      body.destroy();
      return;
    }
    for await (const chunk of body) {
      const keep = (chunk as Buffer).subarray(0, length - written);
      await sink(keep, start + written);
      buffersPassed(chunk.length);
      written += keep.length;
      if (written >= length) {
        body.destroy();
        break;
      }
    }
    if (written < length) {
      throw Object.assign(new Error(`the connection closed after ${start + written} of ${start + length} bytes`), { name: 'ShortDownload' });
    }
  });
}

/**
 * Uploads `file`: with PutObject, opening the file again for every attempt so that a 503 or 500
 * can be retried; a large file in parts, several at once, each retried on its own.
 */
export async function uploadFile(transfer: Transfer, file: string, size: number, extra: Partial<PutObjectCommandInput>): Promise<void> {
  const sdk = await s3Module();
  if (size < PARALLEL_THRESHOLD_BYTES) {
    await withRetries(transfer, async () => {
      await transfer.s3.send(new sdk.PutObjectCommand({
        ...extra,
        Bucket: transfer.bucket,
        Key: transfer.key,
        Body: counted(fs.createReadStream(file)),
        ContentLength: size,
      }), { abortSignal: transfer.signal });
    });
    return;
  }
  const target = { Bucket: transfer.bucket, Key: transfer.key };
  let uploadId: string | undefined;
  await withRetries(transfer, async () => {
    uploadId = (await transfer.s3.send(new sdk.CreateMultipartUploadCommand({ ...extra, ...target }), { abortSignal: transfer.signal })).UploadId;
  });
  try {
    const partBytes = Math.max(PART_BYTES, Math.ceil(size / LIMITS.multipartParts.max));
    const parts: Array<{ PartNumber: number; ETag?: string }> = [];
    const ranges = Array.from({ length: Math.ceil(size / partBytes) }, (_, index) => index);
    await inParallel(ranges, memoryBudget().transfers, async index => {
      const start = index * partBytes;
      const end = Math.min(start + partBytes, size);
      await withRetries(transfer, async () => {
        const { ETag } = await transfer.s3.send(new sdk.UploadPartCommand({
          ...target,
          UploadId: uploadId,
          PartNumber: index + 1,
          Body: counted(fs.createReadStream(file, { start, end: end - 1 })),
          ContentLength: end - start,
        }), { abortSignal: transfer.signal });
        parts[index] = { PartNumber: index + 1, ETag };
      });
    });
    await withRetries(transfer, async () => {
      const complete = new sdk.CompleteMultipartUploadCommand({ ...target, UploadId: uploadId, MultipartUpload: { Parts: parts } });
      await transfer.s3.send(complete, { abortSignal: transfer.signal });
    });
  } catch (error) {
    // Parts of an upload never completed are stored and billed until aborted.
    await transfer.s3.send(new sdk.AbortMultipartUploadCommand({ ...target, UploadId: uploadId })).catch(() => undefined);
    throw error;
  }
}

/** The file's stream, its chunks counted as they pass (see buffersPassed); its errors reach the SDK. */
function counted(file: fs.ReadStream): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      buffersPassed(chunk.length);
      callback(null, chunk);
    },
  });
  file.on('error', error => counter.destroy(error));
  return file.pipe(counter);
}

/**
 * Runs `work` on every item, at most `concurrency` at a time. On the first failure no further item
 * starts; the ones running finish (so none is left writing), then the failure is thrown.
 */
export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      await work(item).catch(error => {
        failure ??= { error };
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure) {
    throw failure.error;
  }
}

async function withRetries(transfer: Transfer, attempt: () => Promise<void>): Promise<void> {
  for (let attempts = 1; ; attempts++) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (transfer.signal.aborted) {
        throw new ArtifactError(`${transfer.action}: ${stoppedBySignal(transfer.signal)}`,
          'JobFailed', { cause: error });
      }
      if (!isTransient(error) || attempts >= MAX_TRANSFER_ATTEMPTS) {
        const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
        throw new ArtifactError(`${transfer.action}: ${describeS3Error(error)}${tries}`, failureTypeOf(error), { cause: error });
      }
      const backoff = Math.min(BACKOFF_CAP_MILLIS, BACKOFF_BASE_MILLIS * 2 ** (attempts - 1));
      await sleep(backoff / 2 + Math.random() * backoff / 2, undefined, { signal: transfer.signal }).catch(() => undefined);
    }
  }
}

/** Errors a later attempt may not meet: throttling, a server error, a dropped connection. */
function isTransient(error: unknown): boolean {
  const { name, code, $metadata } = (error ?? {}) as SdkError;
  const status = $metadata?.httpStatusCode;
  return THROTTLED_OR_UNAVAILABLE.has(name ?? '') || CONNECTION_ERRORS.has(code ?? '') || CONNECTION_ERRORS.has(name ?? '')
    || (error as Error)?.message === 'aborted' || (typeof status === 'number' && status >= 500);
}

/** The mapping docs/runtime.md gives: access and KMS errors are the role's or the key's, transient ones the service's, the rest the job's. */
function failureTypeOf(error: unknown): FailureType {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  if (ACCESS_ERRORS.has(name) || name.startsWith('KMS')) {
    return 'PermissionError';
  }
  return isTransient(error) ? 'SystemUnavailable' : 'JobFailed';
}

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function describeS3Error(error: unknown): string {
  const { name, code, message, $metadata } = (error ?? {}) as SdkError;
  const status = $metadata?.httpStatusCode ? ` (HTTP ${$metadata.httpStatusCode})` : '';
  return `${code ?? name ?? 'Error'}${status}: ${message ?? String(error)}`;
}
