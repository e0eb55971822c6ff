import { inspect } from 'util';
import type { FailureDetails, PutJobSuccessResultInput } from '@aws-sdk/client-codepipeline';
import { JobFailure } from './errors';
import type { CurrentRevision, ExecutionDetails, FailureType, JobContinuation, JobResult, JobSuccess } from './types';
import { LIMITS, Range } from '../common/limits';

const FAILURE_TYPES: ReadonlySet<string> = new Set<FailureType>([
  'JobFailed', 'ConfigurationError', 'PermissionError', 'RevisionOutOfSync', 'RevisionUnavailable', 'SystemUnavailable',
]);

/** The most a result's fields may hold (characters; `outputVariablesBytes` in UTF-8 bytes), from the API model and CodePipeline's quotas. */
export const RESULT_LIMITS = {
  summary: LIMITS.result.summary.max,
  externalExecutionId: LIMITS.result.externalExecutionId.max,
  continuationToken: LIMITS.result.continuationToken.max,
  failureMessage: LIMITS.result.failureMessage.max,
  outputVariablesBytes: LIMITS.result.outputVariablesBytes.max,
  revision: LIMITS.result.revision.max,
  changeIdentifier: LIMITS.result.changeIdentifier.max,
  revisionSummary: LIMITS.result.revisionSummary.max,
} as const;

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/** Undefined when `value` is a string within `range`'s length; otherwise what was received, for the message. */
function lengthProblem(value: unknown, range: Range): string | undefined {
  if (typeof value === 'string' && value.length >= range.min && value.length <= range.max) {
    return undefined;
  }
  return typeof value === 'string' ? `${value.length} characters` : `a ${typeof value}`;
}

function checkLength(field: string, value: string | undefined, range: Range) {
  const received = value === undefined ? undefined : lengthProblem(value, range);
  if (received) {
    throw new JobFailure(`${field} must be a string of ${range.min} to ${range.max} characters, got ${received}`, 'ConfigurationError');
  }
}

/** Checks a continuation state before it becomes the continuation token. */
export function checkContinuationToken(token: unknown): asserts token is string {
  const range = LIMITS.result.continuationToken;
  const received = lengthProblem(token, range);
  if (received) {
    throw new JobFailure(`continueLater(): the state must be a string of ${range.min} to ${range.max} characters (it becomes the continuation token), got ${received}`, 'ConfigurationError');
  }
}

function checkExecutionDetails(details: ExecutionDetails) {
  checkLength('executionDetails.summary', details.summary, LIMITS.result.summary);
  checkLength('executionDetails.externalExecutionId', details.externalExecutionId, LIMITS.result.externalExecutionId);
  const percent = details.percentComplete;
  const { min, max } = LIMITS.result.percentComplete;
  if (percent !== undefined && !(Number.isInteger(percent) && percent >= min && percent <= max)) {
    throw new JobFailure(`executionDetails.percentComplete must be an integer from ${min} to ${max}, got ${percent}`, 'ConfigurationError');
  }
}

function checkOutputVariables(variables: unknown, declared: readonly string[] | undefined) {
  if (variables !== undefined && (typeof variables !== 'object' || variables === null || Array.isArray(variables))) {
    throw new JobFailure(`outputVariables must be an object of name → string, got ${Array.isArray(variables) ? 'an array' : typeof variables}`, 'ConfigurationError');
  }
  const entries = Object.entries((variables ?? {}) as Record<string, unknown>);
  const badNames = entries.map(([name]) => name).filter(name => !LIMITS.outputVariableName.pattern.test(name));
  if (badNames.length > 0) {
    throw new JobFailure(`outputVariables names must match ${LIMITS.outputVariableName.pattern.source}, got ${badNames.map(name => `'${name}'`).join(', ')}`, 'ConfigurationError');
  }
  const notStrings = entries.filter(([, value]) => typeof value !== 'string').map(([name, value]) => `${name} (${typeof value})`);
  if (notStrings.length > 0) {
    throw new JobFailure(`outputVariables values must be strings, got ${notStrings.join(', ')}`, 'ConfigurationError');
  }
  const bytes = entries.reduce((sum, [name, value]) => sum + byteLength(name) + byteLength(value as string), 0);
  if (bytes > LIMITS.result.outputVariablesBytes.max) {
    throw new JobFailure(`outputVariables must total at most ${LIMITS.result.outputVariablesBytes.max} bytes (names and values, UTF-8), got ${bytes}`, 'ConfigurationError');
  }
  const missing = (declared ?? []).filter(name => !entries.some(([returned]) => returned === name));
  if (missing.length > 0) {
    // A reported name the step does not declare is most often the missing one, misspelt.
    const undeclared = entries.map(([name]) => name).filter(name => !declared!.includes(name));
    throw new JobFailure(`The step did not report the output variables it declares: ${missing.join(', ')}`
      + (undeclared.length > 0 ? `; it reported ${undeclared.join(', ')}, which ${undeclared.length > 1 ? 'are' : 'is'} not declared (outputVariables of the LambdaInvokeStep)` : ''), 'JobFailed');
  }
}

function checkCurrentRevision(revision: CurrentRevision | undefined) {
  if (revision === undefined) {
    return;
  }
  checkLength('currentRevision.revision', revision.revision, LIMITS.result.revision);
  checkLength('currentRevision.changeIdentifier', revision.changeIdentifier, LIMITS.result.changeIdentifier);
  checkLength('currentRevision.revisionSummary', revision.revisionSummary, LIMITS.result.revisionSummary);
}

/**
 * The PutJobSuccessResult request for what the step returned. Throws a `JobFailure` naming the
 * broken rule when the result is outside the service's limits.
 */
export function successRequest(
  jobId: string,
  result: JobResult | void,
  requestId: string,
  declared: readonly string[] | undefined,
): PutJobSuccessResultInput {
  const returned: Partial<JobSuccess & JobContinuation> = result ?? {};
  if (typeof returned !== 'object') {
    throw new JobFailure(`The step must return nothing, an object with outputVariables and execution details, or job.continueLater(); got a ${typeof returned}`, 'ConfigurationError');
  }
  const isContinuation = returned.continuationToken !== undefined;
  checkExecutionDetails(returned);
  if (isContinuation) {
    checkContinuationToken(returned.continuationToken);
    if (returned.outputVariables !== undefined) {
      throw new JobFailure('outputVariables cannot be reported together with a continuation: report them from the invocation that finishes the job', 'ConfigurationError');
    }
  } else {
    checkOutputVariables(returned.outputVariables, declared);
    checkCurrentRevision(returned.currentRevision);
  }
  return {
    jobId,
    executionDetails: {
      summary: returned.summary,
      percentComplete: returned.percentComplete,
      externalExecutionId: returned.externalExecutionId ?? requestId,
    },
    ...(isContinuation
      ? { continuationToken: returned.continuationToken }
      : { outputVariables: returned.outputVariables, currentRevision: returned.currentRevision }),
  };
}

/** The failure details for an error the step threw (or the runtime raised). */
export function failureDetails(error: unknown, requestId: string, redactText: (text: string) => string): FailureDetails {
  const message = redactText(describeThrown(error)).trim();
  const failureType = (error as { failureType?: unknown } | undefined)?.failureType;
  return {
    type: typeof failureType === 'string' && FAILURE_TYPES.has(failureType) ? failureType as FailureType : 'JobFailed',
    message: truncate(message || 'The step failed without a message', LIMITS.result.failureMessage.max),
    externalExecutionId: requestId,
  };
}

/** What a step threw, as text: an Error's message, a string as it is, anything else shown as a value. */
function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error || typeof thrown === 'string') {
    return thrown instanceof Error ? thrown.message : thrown;
  }
  return `The step threw ${inspect(thrown, { depth: 2, breakLength: Infinity })}, which is not an Error`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 15)} ...(truncated)`;
}
