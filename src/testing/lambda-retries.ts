import type { FunctionError } from './runners/invoker';

// Lambda's retries of a failed asynchronous invocation, and when a failure report reaches the pipeline.
// No AWS SDK here: the CLI's `list` loads this without it.

/**
 * Lambda's waits before retrying an asynchronous invocation that failed: 1 minute before the first
 * retry, 2 minutes between the first and the second (Lambda developer guide, "Error handling and
 * automatic retries", asynchronous invocation).
 */
const RETRY_WAITS_SECONDS = [60, 120];

/** The most retries Lambda's asynchronous invocation config allows (MaximumRetryAttempts). */
export const MAX_RETRY_ATTEMPTS = 2;

/** How the failure reporter ended the job, as the pipeline would see it. */
export interface FailureReport {
  /** How many times Lambda ran the function for the job's event, each failing. */
  readonly attempts: number;
  /** The error the last attempt ended with, as Lambda records it. */
  readonly error: FunctionError;
  /**
   * About how long after the action started the reporter fails the job in a pipeline: the attempts'
   * durations here, with a timeout counted in full, plus Lambda's waits between them.
   */
  readonly approximateSecondsAfterStart: number;
}

/** The seconds from the action's start to the report, for attempts that ran for `attemptMillis` each. */
export function secondsToReport(attemptMillis: readonly number[]): number {
  const running = attemptMillis.reduce((sum, millis) => sum + millis, 0) / 1000;
  const waiting = RETRY_WAITS_SECONDS.slice(0, attemptMillis.length - 1).reduce((sum, seconds) => sum + seconds, 0);
  return Math.round(running + waiting);
}

/** `3 min 5 s`, `40 s`. */
export function describeSeconds(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

