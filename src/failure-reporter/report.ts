// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import { PutJobFailureResultCommand } from '@aws-sdk/client-codepipeline';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import type { FailureDetails } from '@aws-sdk/client-codepipeline';
import { FAILURE_CONDITIONS, InvocationRecord } from './invocation-record';
import { LIMITS } from '../common/limits';
import { redact } from '../runtime/redact';

/** What the reporter does with one record: fail the job, or nothing, and why. */
export type ReportPlan =
  | { readonly report: true; readonly jobId: string; readonly failureDetails: FailureDetails }
  | { readonly report: false; readonly reason: string };

/** What the reporter returns, which Lambda puts in its own record for the step's failure destination. Never the event. */
export interface ReporterOutcome {
  readonly reported: boolean;
  readonly jobId?: string;
  readonly reason: string;
  readonly failureDetails?: FailureDetails;
}

/** The CodePipeline errors that say the job takes no result any more: reporting again cannot help. */
const JOB_TAKES_NO_RESULT = new Set(['InvalidJobStateException', 'JobNotFoundException']);

/** What each common crash means, for the error types and messages Lambda records. */
const HINTS: ReadonlyArray<{ readonly matches: RegExp; readonly hint: string }> = [
  { matches: /Sandbox\.Timedout|Task timed out/, hint: 'It ran out of time: raise the function\'s timeout.' },
  { matches: /Runtime\.OutOfMemory|signal: killed/, hint: 'Lambda stopped its runtime, most often for running out of memory: raise the function\'s memory size.' },
  {
    matches: /Runtime\.(ImportModuleError|HandlerNotFound|UserCodeSyntaxError|InvalidEntrypoint|MalformedHandlerName)/,
    hint: 'The function could not start: check its handler setting and its code.',
  },
];

/**
 * Plans the report for one record Lambda sent: the job's id and the failure message that names the
 * cause (the error Lambda recorded), the condition, the attempts, and where the function's logs are.
 * Anything that is not a failed CodePipeline job invocation is left alone, with the reason.
 */
export function planReport(received: unknown, logGroupName?: string): ReportPlan {
  const record = (typeof received === 'object' && received !== null ? received : {}) as InvocationRecord;
  const context = record.requestContext ?? {};
  const job = (record.requestPayload as { 'CodePipeline.job'?: { id?: unknown; data?: any } } | undefined)?.['CodePipeline.job'];
  const jobId = typeof job?.id === 'string' && job.id.length > 0 ? job.id : undefined;
  if (!jobId) {
    return { report: false, reason: 'the record is not of a CodePipeline job invocation: nothing to report' };
  }
  if (!(FAILURE_CONDITIONS as readonly unknown[]).includes(context.condition)) {
    return { report: false, reason: `the record's condition is ${JSON.stringify(context.condition)}, not a failure: nothing to report` };
  }
  const [, , , region, , , functionName, qualifier] = String(context.functionArn ?? '').split(':');
  const name = functionName ? `${functionName}${qualifier && qualifier !== '$LATEST' ? `:${qualifier}` : ''}` : 'the step\'s function';
  const attempts = typeof context.approximateInvokeCount === 'number' ? context.approximateInvokeCount : undefined;
  const tried = attempts === undefined ? '' : ` after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
  const condition = context.condition === 'RetriesExhausted'
    ? `Lambda stopped${tried}: its retries were exhausted (RetriesExhausted).`
    : `Lambda stopped${tried}: the event grew older than the function's maximum event age (EventAgeExceeded).`;
  const logs = `Its logs: log group ${logGroupName ?? (functionName ? `/aws/lambda/${functionName}` : 'of the function')}`
    + `${region ? ` in ${region}` : ''}${context.requestId ? `, request ${context.requestId}` : ''}.`;
  const error = recordedError(record.responsePayload);
  const hint = HINTS.find(candidate => candidate.matches.test(error))?.hint;
  const opening = `The step's function ${name} failed without reporting a result: `;
  const closing = ` ${condition}${hint ? ` ${hint}` : ''} ${logs} (Reported by the step's failure reporter.)`;
  // The error comes last to be cut: the condition and where the logs are always fit.
  const room = LIMITS.result.failureMessage.max - opening.length - closing.length - 1;
  const cut = error.length <= room ? error : `${error.slice(0, Math.max(0, room - 15))} ...(truncated)`;
  const cause = /[.!?]$/.test(cut) ? cut : `${cut}.`;
  const credentials = job?.data?.artifactCredentials ?? {};
  const message = redact(`${opening}${cause}${closing}`, {
    'artifactCredentials.secretAccessKey': stringOrUndefined(credentials.secretAccessKey),
    'artifactCredentials.sessionToken': stringOrUndefined(credentials.sessionToken),
  });
  return {
    report: true,
    jobId,
    failureDetails: {
      type: 'JobFailed',
      message,
      ...context.requestId && context.requestId.length <= LIMITS.result.externalExecutionId.max && { externalExecutionId: context.requestId },
    },
  };
}

/** `errorType: errorMessage` as the last attempt's runtime reported it, or what Lambda recorded instead. */
function recordedError(payload: unknown): string {
  if (payload === undefined || payload === null) {
    return 'Lambda recorded no error (the function may never have run)';
  }
  if (typeof payload !== 'object') {
    return String(payload);
  }
  const { errorType, errorMessage } = payload as { errorType?: unknown; errorMessage?: unknown };
  if (typeof errorMessage === 'string' || typeof errorType === 'string') {
    return [errorType, errorMessage].filter(part => typeof part === 'string' && part.length > 0).join(': ');
  }
  return JSON.stringify(payload);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The one CodePipeline call the reporter makes. */
export interface JobFailureReporter {
  send(command: PutJobFailureResultCommand): Promise<unknown>;
}

/**
 * Fails the job of a failed invocation's record through PutJobFailureResult. A record that is not a
 * failed job invocation, or a job that takes no result any more (it already has one, or is gone), is
 * left alone and said so; any other error is thrown, so that Lambda retries the reporter and then
 * sends its record to the step's failure destination. Logs one line, never the event.
 */
export async function reportFailedInvocation(
  record: unknown, codePipeline: JobFailureReporter, log: (line: string) => void, logGroupName?: string,
): Promise<ReporterOutcome> {
  const plan = planReport(record, logGroupName);
  if (!plan.report) {
    log(`Nothing reported: ${plan.reason}`);
    return { reported: false, reason: plan.reason };
  }
  try {
    await codePipeline.send(new PutJobFailureResultCommand({ jobId: plan.jobId, failureDetails: plan.failureDetails }));
  } catch (error) {
    const name = (error as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && JOB_TAKES_NO_RESULT.has(name)) {
      const reason = `CodePipeline answered ${name}: the job already has a result or no longer exists`;
      log(`Nothing reported for job ${plan.jobId}: ${reason}`);
      return { reported: false, jobId: plan.jobId, reason };
    }
    throw error;
  }
  log(`Reported job ${plan.jobId} as failed`);
  return { reported: true, jobId: plan.jobId, reason: 'the job was failed with the cause', failureDetails: plan.failureDetails };
}
