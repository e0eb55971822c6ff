/**
 * Runs one invocation of a bundled handler in this process, as the Lambda Node.js runtime would:
 * the module loaded, the handler called with the event and a context, a failed invocation logged by
 * its error only (never the event). The harness starts it in a process of its own, with
 * LOCAL_STEP_ASSET, LOCAL_STEP_HANDLER (`file.export`), LOCAL_STEP_EVENT (a JSON file),
 * LOCAL_STEP_TIMEOUT (milliseconds), LOCAL_STEP_RUNTIME and LOCAL_STEP_GRACE (milliseconds) in its
 * environment, and an IPC channel on which it reports how the handler ended.
 */
import * as fs from 'fs';
import { register } from 'module';
import * as path from 'path';
import { pathToFileURL } from 'url';
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
  const handler = (await loadHandlerModule(asset, handlerName.slice(0, dot)))[handlerName.slice(dot + 1)] as (...args: unknown[]) => unknown;
  const event = JSON.parse(fs.readFileSync(eventFile, 'utf8'));
  await invokeLikeLambda(handler, event, lambdaContext(Number(timeout), `local-${process.pid}`), runtime as NodeRuntime,
    {
      onUnsupported: unsupported => process.send!({ unsupported }),
      onReturnedWithoutPromise: () => process.send!({ returnedWithoutPromise: true }),
    });
}

/**
 * Loads the handler's module as the Lambda Node.js runtime does: `<name>.js`, `.mjs` or `.cjs`,
 * an ES module when it is `.mjs` or a `.js` under a package.json with `"type": "module"`.
 */
async function loadHandlerModule(asset: string, moduleName: string): Promise<Record<string, unknown>> {
  const base = path.join(asset, moduleName);
  const file = ['.js', '.mjs', '.cjs'].map(extension => base + extension).find(candidate => fs.existsSync(candidate));
  if (!file) {
    throw new Error(`Cannot find module '${moduleName}' in ${asset}: there is no ${moduleName}.js, ${moduleName}.mjs or ${moduleName}.cjs`);
  }
  provideSdkToEsModules();
  if (!isEsModule(file)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the handler is a module chosen at run time, as Lambda loads it
    return require(file);
  }
  return import(pathToFileURL(file).href);
}

function isEsModule(file: string): boolean {
  if (!file.endsWith('.js')) {
    return file.endsWith('.mjs');
  }
  for (let directory = path.dirname(file); ; directory = path.dirname(directory)) {
    const manifest = path.join(directory, 'package.json');
    if (fs.existsSync(manifest)) {
      return JSON.parse(fs.readFileSync(manifest, 'utf8')).type === 'module';
    }
    if (path.dirname(directory) === directory) {
      return false;
    }
  }
}

/**
 * `import` ignores NODE_PATH, through which `require` finds the AWS SDK here. Lambda provides
 * `@aws-sdk/*` to `import` too (in ES module handlers, and `import()` in CommonJS ones); this
 * resolve hook does the same, for those specifiers only, from the node_modules NODE_PATH names.
 */
function provideSdkToEsModules() {
  const sdkNodeModules = process.env.NODE_PATH!;
  const hook = `let parentURL;
export function initialize(data) { parentURL = data.parentURL; }
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !specifier.startsWith('@aws-sdk/')) throw error;
    return next(specifier, { ...context, parentURL });
  }
}`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`, {
    data: { parentURL: pathToFileURL(path.join(sdkNodeModules, '..', 'lambda-runtime.mjs')).href },
  });
}

/** Reports the end, then lets requests the handler left running reach the endpoints (which refuse them) before exiting. */
function settle(report: { error?: { errorType: string; errorMessage: string } }, code: number) {
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
  settle({ error: { errorType: String(name), errorMessage: String(message) } }, 1);
});
