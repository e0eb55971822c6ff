import type { StepRun } from './run-step';

/** How many of the handler's last log lines a failed assertion shows. */
const LOG_LINES_SHOWN = 20;

/** A run that was expected to succeed did not: the message says why. */
export class StepAssertionError extends Error {
  constructor(message: string, public readonly run: StepRun) {
    super(message);
    this.name = 'StepAssertionError';
  }
}

/**
 * Throws a `StepAssertionError` unless the run succeeded, with what a test needs to see why: the
 * failure's type and message (or the continuation left open), the number of invocations and the
 * handler's last log lines. Use it in place of `expect(run.outcome).toBe('succeeded')`, whose
 * message shows only the two outcomes.
 */
export function assertSucceeded(run: StepRun): void {
  if (run.outcome === 'succeeded') {
    return;
  }
  const invocations = `${run.invocations} invocation${run.invocations === 1 ? '' : 's'}`;
  const what = run.outcome === 'failed'
    ? `The step failed the job after ${invocations} (${run.failureDetails?.type}): ${run.failureDetails?.message}`
    : `The step was still continuing the job after ${invocations}, the run's maxInvocations (last continuationToken '${run.continuationToken}')`;
  const shown = run.logs.slice(-LOG_LINES_SHOWN);
  const logs = shown.length === 0
    ? 'The handler logged nothing.'
    : `The handler's ${shown.length === run.logs.length ? '' : `last ${shown.length} of ${run.logs.length} `}log lines:\n${shown.map(line => `  ${line}`).join('\n')}`;
  throw new StepAssertionError([what, ...run.warnings, logs].join('\n'), run);
}
