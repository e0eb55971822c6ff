import * as fs from 'fs';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { setTimeout as sleep } from 'timers/promises';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { ArtifactError } from './errors';
import { s3Module } from './s3';
import type { FailureType } from './types';

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

/**
 * Downloads the object to `file`. A connection that drops mid-body resumes with a ranged GET of
 * the same version (If-Match on the ETag); 5xx answers are retried with backoff.
 */
export async function downloadToFile(transfer: Transfer, file: string): Promise<void> {
  const { GetObjectCommand } = await s3Module();
  let etag: string | undefined;
  let total: number | undefined;
  await withRetries(transfer, async () => {
    const have = etag === undefined ? 0 : (await fs.promises.stat(file)).size;
    const response = await transfer.s3.send(new GetObjectCommand({
      Bucket: transfer.bucket,
      Key: transfer.key,
      ...(have > 0 && { Range: `bytes=${have}-`, IfMatch: etag }),
    }), { abortSignal: transfer.signal });
    if (etag === undefined) {
      etag = response.ETag;
      total = response.ContentLength;
    }
    await pipeline(response.Body as Readable, fs.createWriteStream(file, { flags: have > 0 ? 'a' : 'w' }), { signal: transfer.signal });
    const size = (await fs.promises.stat(file)).size;
    if (total !== undefined && size !== total) {
      throw Object.assign(new Error(`the connection closed after ${size} of ${total} bytes`), { name: 'ShortDownload' });
    }
  });
}

/** Uploads `file` with PutObject, opening the file again for every attempt so that a 503 or 500 can be retried. */
export async function uploadFile(transfer: Transfer, file: string, size: number, extra: Partial<PutObjectCommandInput>): Promise<void> {
  const { PutObjectCommand } = await s3Module();
  await withRetries(transfer, async () => {
    await transfer.s3.send(new PutObjectCommand({
      ...extra,
      Bucket: transfer.bucket,
      Key: transfer.key,
      Body: fs.createReadStream(file),
      ContentLength: size,
    }), { abortSignal: transfer.signal });
  });
}

async function withRetries(transfer: Transfer, attempt: () => Promise<void>): Promise<void> {
  for (let attempts = 1; ; attempts++) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (transfer.signal.aborted) {
        throw new ArtifactError(`${transfer.action}: stopped because the job's signal was aborted (${String(transfer.signal.reason?.message ?? transfer.signal.reason)})`,
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

/** README's mapping: access and KMS errors are the role's or the key's, transient ones the service's, the rest the job's. */
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
