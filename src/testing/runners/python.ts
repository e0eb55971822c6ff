import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { inChildProcess } from './child-process';
import type { Invoker } from './invoker';
import { FunctionDescription, lambdaRuntimeEnvironment } from './lambda-environment';
import { PYTHON_BOOTSTRAP } from './python-bootstrap';

/** The Python interpreter a run uses, checked once: its path and version (`3.11.2`). */
export interface PythonInterpreter {
  readonly command: string;
  readonly version: string;
}

/** Finds `command` and asks it its version; undefined when it cannot be started. */
export function pythonInterpreter(command: string): PythonInterpreter | undefined {
  try {
    const version = execFileSync(command, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8', timeout: 30_000 }).trim();
    return { command, version };
  } catch {
    return undefined;
  }
}

/** The Lambda Python runtime in a process of its own: the bootstrap (written into `work`) importing the handler from the code directory. */
export function inPythonProcess(fn: FunctionDescription, python: PythonInterpreter, work: string): Invoker {
  const bootstrap = path.join(work, 'lambda_python_bootstrap.py');
  fs.writeFileSync(bootstrap, PYTHON_BOOTSTRAP);
  return inChildProcess(({ environment }) => ({
    command: python.command,
    args: [bootstrap],
    environment: { ...lambdaRuntimeEnvironment(fn, environment), PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    channel: 'fd3',
  }));
}

/** Said when the interpreter is not the function's Python version. */
export function pythonVersionWarning(runtime: string, python: PythonInterpreter): string | undefined {
  const wanted = runtime.replace(/^python/, '');
  return python.version.startsWith(`${wanted}.`) ? undefined
    : `The function's runtime is ${runtime}, but the handler ran on Python ${python.version} (${python.command}): pass \`python\` (with the CLI, --python <interpreter>) to run it on ${wanted}`;
}
