/** The errors the runtime throws, and the one a step throws to choose its failure type. */

import type { FailureType } from './types';

/** Throw this (or a subclass) to fail the job with a failure type other than `JobFailed`. */
export class JobFailure extends Error {
  constructor(message: string, public readonly failureType: FailureType = 'JobFailed', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobFailure';
  }
}

/**
 * An artifact could not be read or written. The message names the artifact (and the entry, where
 * there is one); `cause` holds the error of the S3 client, the zip library or the file system;
 * `failureType` follows the mapping in docs/runtime.md (PermissionError for access and KMS errors).
 */
export class ArtifactError extends JobFailure {
  constructor(message: string, failureType: FailureType = 'JobFailed', options?: { cause?: unknown }) {
    super(message, failureType, options);
    this.name = 'ArtifactError';
  }
}

/** Why work on an aborted `job.signal` stopped, in the words every artifact error uses. */
export function stoppedBySignal(signal: AbortSignal): string {
  return `stopped because the job's signal was aborted (${String(signal.reason?.message ?? signal.reason)})`;
}

/** The event is not a CodePipeline job at all: there is no job to report to. */
export class NotAJobEventError extends Error {
  constructor(missing: string) {
    super(`The event is not a CodePipeline job event: ${missing}. No job result was reported.`);
    this.name = 'NotAJobEventError';
  }
}

/** The event names a job but its data cannot be used. */
export class MalformedJobEventError extends Error {
  constructor(public readonly jobId: string, problem: string) {
    super(`The CodePipeline job event is malformed: ${problem}`);
    this.name = 'MalformedJobEventError';
  }
}
