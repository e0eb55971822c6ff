import { randomUUID } from 'crypto';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { LoopbackCodePipeline } from './endpoints/codepipeline';
import { LOCAL_REGION } from './endpoints/s3-client';
import type { KnownCredentials } from './endpoints/sigv4';
import type { FunctionError, InvocationEnd } from './runners/invoker';
import { reportFailedInvocation } from '../failure-reporter/report';

/** The error Lambda records for an invocation that ended without a result: the runtime's, or its own for a timeout. */
export function recordedError(end: InvocationEnd, timeoutMillis: number): FunctionError | undefined {
  if (end.timedOut) {
    return { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMillis / 1000).toFixed(2)} seconds` };
  }
  return end.error;
}

/** What a run needs to hand a failed invocation to the failure reporter. */
export interface ReporterContext {
  readonly codePipeline: LoopbackCodePipeline;
  /** The reporter role's credentials, which the CodePipeline endpoint knows as `reporter`. */
  readonly credentials: KnownCredentials;
  readonly functionArn: string;
  readonly logGroupName?: string;
}

/**
 * Runs the step's failure reporter, the very code the construct deploys, on the record Lambda would
 * send it after the last attempt, against the loopback CodePipeline endpoint with the reporter's own
 * credentials. Returns the reporter's log lines.
 */
export async function runFailureReporter(context: ReporterContext, event: unknown, error: FunctionError, attempts: number): Promise<string[]> {
  const requestId = randomUUID();
  const record = {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: { requestId, functionArn: context.functionArn, condition: 'RetriesExhausted', approximateInvokeCount: attempts },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: error,
  };
  const { accessKeyId, secretAccessKey, sessionToken } = context.credentials;
  const client = new CodePipelineClient({
    endpoint: context.codePipeline.endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    maxAttempts: 1,
  });
  const logs: string[] = [];
  context.codePipeline.startReporterInvocation();
  try {
    await reportFailedInvocation(record, client, line => logs.push(line), context.logGroupName);
  } catch (thrown) {
    logs.push(`The failure reporter failed: ${(thrown as Error)?.name}: ${(thrown as Error)?.message}`);
  } finally {
    context.codePipeline.endInvocation();
    client.destroy();
  }
  return logs;
}
