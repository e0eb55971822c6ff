/**
 * Runs one invocation of a bundled handler in this process, as the Lambda Node.js runtime would:
 * the module loaded, the handler called with the event and a context, a failed invocation logged by
 * its error only (never the event). The harness starts it in a process of its own, with
 * LOCAL_STEP_ASSET, LOCAL_STEP_HANDLER (`file.export`), LOCAL_STEP_EVENT (a JSON file),
 * LOCAL_STEP_TIMEOUT (milliseconds), LOCAL_STEP_RUNTIME and LOCAL_STEP_GRACE (milliseconds) in its
 * environment, and an IPC channel on which it reports how the handler ended.
 */
import * as fs from 'fs';
import * as path from 'path';
import { invokeLikeLambda, NodeRuntime, UnsupportedHandlerError } from './invoke-like-lambda';
import { lambdaContext } from './lambda-context';

async function invokeOnce(): Promise<void> {
  const {
    LOCAL_STEP_ASSET: asset, LOCAL_STEP_HANDLER: handlerName, LOCAL_STEP_EVENT: eventFile, LOCAL_STEP_TIMEOUT: timeout, LOCAL_STEP_RUNTIME: runtime,
  } = process.env;
  if (!asset || !handlerName || !eventFile || !timeout || !runtime) {
    throw new Error('LOCAL_STEP_ASSET, LOCAL_STEP_HANDLER, LOCAL_STEP_EVENT, LOCAL_STEP_TIMEOUT and LOCAL_STEP_RUNTIME must be set');
  }
  const dot = handlerName.lastIndexOf('.');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the handler is a module chosen at run time, as Lambda loads it
  const handler = require(path.join(asset, handlerName.slice(0, dot)))[handlerName.slice(dot + 1)];
  const event = JSON.parse(fs.readFileSync(eventFile, 'utf8'));
  await invokeLikeLambda(handler, event, lambdaContext(Number(timeout), `local-${process.pid}`), runtime as NodeRuntime,
    {
      onUnsupported: unsupported => process.send!({ unsupported }),
      onReturnedWithoutPromise: () => process.send!({ returnedWithoutPromise: true }),
    });
}

/** Reports the end, then lets requests the handler left running reach the endpoints (which refuse them) before exiting. */
function settle(report: { error?: string }, code: number) {
  process.send!({ settled: true, ...report });
  setTimeout(() => process.exit(code), Number(process.env.LOCAL_STEP_GRACE ?? 0));
}

invokeOnce().then(() => settle({}, 0), (error: unknown) => {
  // Already reported through onUnsupported, in the harness's words.
  if (error instanceof UnsupportedHandlerError) {
    settle({}, 1);
    return;
  }
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  console.error(`Invoke Error ${name}: ${message}`);
  settle({ error: `${name}: ${message}` }, 1);
});
