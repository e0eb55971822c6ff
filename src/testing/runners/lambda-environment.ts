import { randomUUID } from 'crypto';
import * as path from 'path';

/** What Lambda tells every runtime about the function, besides the template's variables. */
export interface FunctionDescription {
  readonly handler: string;
  readonly codeDirectory: string;
  readonly memoryMb: number;
  readonly accountId: string;
  /** The function's Lambda runtime, such as `python3.13`. */
  readonly runtime: string;
  /**
   * Where the function's layers are, by the variable that finds them: PATH and LD_LIBRARY_PATH for
   * every runtime, and PYTHONPATH, NODE_PATH or CLASSPATH for its language. Each value is a list of
   * directories in the path's order, all inside the run's stand-in for /opt.
   */
  readonly layerEnvironment?: Record<string, string>;
}

/**
 * The variables a Lambda runtime process sees for one invocation, on top of the function's own
 * environment (which holds the function's name): the handler, where the code is, the version,
 * memory and log names, and the request's id and ARN for the runner's context object. HOME is a
 * directory without AWS settings, so no SDK finds the developer's. Layers' bin and lib directories
 * follow the machine's, as /opt/bin and /opt/lib follow Lambda's own.
 */
export function lambdaRuntimeEnvironment(fn: FunctionDescription, environment: Record<string, string>): Record<string, string> {
  const name = environment.AWS_LAMBDA_FUNCTION_NAME;
  const region = environment.AWS_REGION;
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  const layers = fn.layerEnvironment ?? {};
  return {
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: fn.codeDirectory,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    HOME: path.dirname(environment.AWS_CONFIG_FILE),
    LOCAL_STEP_REQUEST_ID: randomUUID(),
    LOCAL_STEP_FUNCTION_ARN: `arn:aws:lambda:${region}:${fn.accountId}:function:${name}`,
    ...(layers.PATH && { PATH: [process.env.PATH, layers.PATH].filter(Boolean).join(path.delimiter) }),
    ...(layers.LD_LIBRARY_PATH && { LD_LIBRARY_PATH: layers.LD_LIBRARY_PATH }),
  };
}
