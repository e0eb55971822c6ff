import { format } from 'util';
import type { InvocationEnd, Invoker } from './invoker';
import { FunctionDescription, lambdaRuntimeEnvironment } from './lambda-environment';
import { runInFunctionScope } from '../function-scope';
import { invokeLikeLambda, type NodeRuntime } from '../invoke-like-lambda';
import { lambdaContext } from '../lambda-context';

/**
 * The Lambda Node.js runtime in the test's own process: the handler called as the runtime calls it,
 * in a function scope (its process.env is the function's, with the variables Lambda sets, such as
 * AWS_LAMBDA_FUNCTION_MEMORY_SIZE), its console captured, abandoned at its timeout. One run at a
 * time, as process.env and console are the process's.
 */
export function inProcess(handler: (...args: any[]) => unknown, fn: FunctionDescription): Invoker {
  return async (event, { timeoutMillis, environment, runtime }, logs, notes) => {
    const restoreConsole = captureConsole(logs);
    const context = lambdaContext(timeoutMillis);
    // The child runners' own hand-offs (request id, ARN) are not Lambda's: the context carries them here.
    const functionEnvironment = { ...environment, ...lambdaRuntimeEnvironment(fn, environment) };
    delete functionEnvironment.LOCAL_STEP_REQUEST_ID;
    delete functionEnvironment.LOCAL_STEP_FUNCTION_ARN;
    let timer: NodeJS.Timeout | undefined;
    try {
      const invocation = runInFunctionScope(functionEnvironment, () => invokeLikeLambda(handler, event, context, runtime as NodeRuntime, {
        onUnsupported: use => notes.unsupportedUses.push(use),
        onReturnedWithoutPromise: () => notes.returnedWithoutPromise = true,
      }));
      const finished = invocation.then(
        (): InvocationEnd => ({ timedOut: false }),
        (error: unknown): InvocationEnd => ({
          timedOut: false,
          // As Lambda's Node.js runtime records a thrown value.
          error: error instanceof Error
            ? { errorType: error.name, errorMessage: error.message }
            : { errorType: typeof error, errorMessage: String(error) },
        }),
      );
      const timedOut = new Promise<InvocationEnd>(resolve => {
        timer = setTimeout(() => resolve({ timedOut: true }), timeoutMillis + 100);
      });
      return await Promise.race([finished, timedOut]);
    } finally {
      clearTimeout(timer);
      restoreConsole();
    }
  };
}

function captureConsole(logs: string[]): () => void {
  const levels = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = levels.map(level => console[level]);
  for (const level of levels) {
    console[level] = (...args: unknown[]) => {
      // As the Lambda Node.js runtime writes a console call: util.format, which shows nested objects only two levels deep.
      logs.push(...format(...args).split('\n'));
    };
  }
  return () => levels.forEach((level, index) => {
    console[level] = saved[index];
  });
}

let queue: Promise<unknown> = Promise.resolve();

/** In-process runs change process.env and console: one at a time. */
export function exclusively<T>(work: () => Promise<T>): Promise<T> {
  const result = queue.then(work, work);
  queue = result.catch(() => undefined);
  return result;
}
