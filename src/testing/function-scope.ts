import { AsyncLocalStorage } from 'async_hooks';

/** The environment of the function whose code is running, for everything its async work does. */
const functionEnvironment = new AsyncLocalStorage<Record<string, string>>();
let environmentProxy: NodeJS.ProcessEnv | undefined;

/**
 * Runs a handler in-process with `environment` as its `process.env`: the developer's AWS_* variables
 * hidden, the function's set. Everything the handler starts, including work still running after its
 * invocation ends (a timer, a promise left unawaited), keeps seeing that environment, so an SDK
 * client it creates late still points at loopback, never wherever the developer's own settings
 * point. The rest of the process keeps its environment.
 */
export function runInFunctionScope<T>(environment: Record<string, string>, work: () => T): T {
  installEnvironmentProxy();
  const developerEnvironment = Object.fromEntries(Object.entries(process.env)
    .filter((entry): entry is [string, string] => !entry[0].startsWith('AWS_') && entry[1] !== undefined));
  return functionEnvironment.run({ ...developerEnvironment, ...environment }, work);
}

/**
 * Replaces process.env with a proxy that reads the running function's environment inside a
 * function scope and the real one outside (the AWS SDK reads its settings from process.env).
 * Again whenever something (a test restoring a saved copy) has replaced the proxy.
 */
function installEnvironmentProxy() {
  if (environmentProxy && process.env === environmentProxy) {
    return;
  }
  const real = process.env;
  const target = () => functionEnvironment.getStore() ?? real;
  environmentProxy = process.env = new Proxy(real, {
    get: (_, name) => Reflect.get(target(), name),
    set: (_, name, value) => Reflect.set(target(), name, String(value)),
    has: (_, name) => Reflect.has(target(), name),
    deleteProperty: (_, name) => Reflect.deleteProperty(target(), name),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, name) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), name);
      return descriptor && { ...descriptor, configurable: true };
    },
    defineProperty: (_, name, descriptor) => Reflect.defineProperty(target(), name, descriptor),
  });
}
