import { randomUUID } from 'crypto';
import type { LambdaContext, Logger, PipelineJobLambdaHandler } from '../../src/runtime';

/** A logger that keeps every line it is given. */
export class CapturingLogger implements Logger {
  public readonly lines: string[] = [];
  public info(message: string) {
    this.lines.push(`INFO ${message}`);
  }
  public warn(message: string) {
    this.lines.push(`WARN ${message}`);
  }
  public error(message: string) {
    this.lines.push(`ERROR ${message}`);
  }
}

/** A Lambda-like context whose remaining time counts down from `timeoutMillis`. */
export function lambdaContext(timeoutMillis = 60_000, awsRequestId: string = randomUUID()): LambdaContext {
  const deadline = Date.now() + timeoutMillis;
  return { awsRequestId, getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0) };
}

/** Invokes the handler; resolves to the error it threw, if it threw. */
export async function invoke(handler: PipelineJobLambdaHandler, event: unknown, context = lambdaContext()): Promise<Error | undefined> {
  try {
    await handler(event, context);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}
