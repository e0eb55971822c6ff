import type { Logger, PipelineJobLambdaHandler } from '../../src/runtime';
import { lambdaContext } from '../../src/testing/lambda-context';

export { lambdaContext };

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

/** Invokes the handler; resolves to the error it threw, if it threw. */
export async function invoke(handler: PipelineJobLambdaHandler, event: unknown, context = lambdaContext(60_000)): Promise<Error | undefined> {
  try {
    await handler(event, context);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}
