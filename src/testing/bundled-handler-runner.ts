/**
 * Runs one invocation of a bundled handler in this process, as the Lambda Node.js runtime would:
 * the module loaded, the handler called with the event and a context, a failed invocation logged by
 * its error only (never the event). The harness starts it in a process of its own, with
 * LOCAL_STEP_ASSET, LOCAL_STEP_HANDLER (`file.export`), LOCAL_STEP_EVENT (a JSON file) and
 * LOCAL_STEP_TIMEOUT (milliseconds) in its environment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { lambdaContext } from './lambda-context';

async function invokeOnce(): Promise<void> {
  const { LOCAL_STEP_ASSET: asset, LOCAL_STEP_HANDLER: handlerName, LOCAL_STEP_EVENT: eventFile, LOCAL_STEP_TIMEOUT: timeout } = process.env;
  if (!asset || !handlerName || !eventFile || !timeout) {
    throw new Error('LOCAL_STEP_ASSET, LOCAL_STEP_HANDLER, LOCAL_STEP_EVENT and LOCAL_STEP_TIMEOUT must be set');
  }
  const dot = handlerName.lastIndexOf('.');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the handler is a module chosen at run time, as Lambda loads it
  const handler = require(path.join(asset, handlerName.slice(0, dot)))[handlerName.slice(dot + 1)];
  const event = JSON.parse(fs.readFileSync(eventFile, 'utf8'));
  await handler(event, lambdaContext(Number(timeout), `local-${process.pid}`));
}

invokeOnce().then(() => process.exit(0), (error: unknown) => {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  console.error(`Invoke Error ${name}: ${message}`);
  process.exit(1);
});
