import type { LambdaContext } from '../runtime/types';

/** The Lambda Node.js runtimes a step may use (the construct allows these). */
export type NodeRuntime = 'nodejs20.x' | 'nodejs22.x' | 'nodejs24.x' | 'nodejs26.x';

/** The Lambda Node.js runtimes a local run can behave as, oldest first. */
export const NODE_RUNTIMES: readonly NodeRuntime[] = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'nodejs26.x'];

/** Callbacks and context.succeed/fail/done left Lambda's Node.js runtimes with nodejs24.x. */
function supportsCallbacks(runtime: NodeRuntime): boolean {
  return NODE_RUNTIMES.indexOf(runtime) < NODE_RUNTIMES.indexOf('nodejs24.x');
}

/** The handler was written for a Lambda feature its runtime does not have. */
export class UnsupportedHandlerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedHandlerError';
  }
}

export interface InvocationHooks {
  /** The handler used what its runtime does not have; may come after the handler returned. */
  onUnsupported(message: string): void;
  /** On nodejs24.x and later the handler returned something other than a promise: its invocation ended there. */
  onReturnedWithoutPromise(): void;
}

const ASYNC_INSTEAD = 'make the handler async and return (or throw) instead';

/**
 * Calls a handler as the Lambda Node.js runtime does: the promise it returns, or on nodejs20.x and
 * nodejs22.x its callback or context.succeed/fail/done. nodejs24.x and later support none of these: a
 * callback-style handler is refused before it runs and a call to context.succeed/fail/done fails the
 * invocation; both are reported through `hooks.onUnsupported` (the latter even after the handler
 * returned), each naming the runtime and the change to make.
 */
export function invokeLikeLambda(
  handler: (...args: any[]) => unknown, event: unknown, context: LambdaContext, runtime: NodeRuntime,
  hooks: InvocationHooks,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callbacksSupported = supportsCallbacks(runtime);
    const refuse = (message: string) => {
      hooks.onUnsupported(message);
      reject(new UnsupportedHandlerError(message));
    };
    if (!callbacksSupported && handler.length >= 3) {
      refuse(`The handler takes a callback (event, context, callback), which the Lambda ${runtime} runtime no longer supports: ${ASYNC_INSTEAD}, or run the function on nodejs22.x`);
      return;
    }
    const done = (error?: unknown, result?: unknown) => error === undefined || error === null ? resolve(result) : reject(error);
    // Reported rather than thrown: from nodejs24.x on the call is a TypeError wherever it happens, even
    // after the handler returned, where a throw here would only be an unhandled rejection.
    const unsupported = (name: string) => () => refuse(`The handler called context.${name}(), which the Lambda ${runtime} runtime no longer has: ${ASYNC_INSTEAD}`);
    const lambdaContext = {
      ...context,
      callbackWaitsForEmptyEventLoop: true,
      succeed: callbacksSupported ? (result?: unknown) => done(undefined, result) : unsupported('succeed'),
      fail: callbacksSupported ? (error: unknown) => done(error ?? new Error('context.fail() was called')) : unsupported('fail'),
      done: callbacksSupported ? done : unsupported('done'),
    };
    try {
      const returned = handler(event, lambdaContext, ...(callbacksSupported && handler.length >= 3 ? [done] : []));
      if (returned && typeof (returned as Promise<unknown>).then === 'function') {
        (returned as Promise<unknown>).then(resolve, reject);
      } else if (!callbacksSupported) {
        hooks.onReturnedWithoutPromise();
        resolve(returned);
      }
      // Otherwise the runtime waits for the callback or context.succeed/fail/done, as Lambda does.
    } catch (error) {
      reject(error);
    }
  });
}
