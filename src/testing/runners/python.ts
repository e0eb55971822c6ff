import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { inChildProcess } from './child-process';
import type { Invoker } from './invoker';
import { FunctionDescription, lambdaRuntimeEnvironment } from './lambda-environment';
import { PYTHON_BOOTSTRAP, PYTHON_LOOPBACK } from './python-bootstrap';
import { viaRuntimeApi } from './runtime-api';

/** The Python interpreter a run uses, checked once: its path, its version (`3.11.2`) and its awslambdaric, if installed. */
export interface PythonInterpreter {
  readonly command: string;
  readonly version: string;
  /** The version of AWS's runtime interface client installed for it, such as `4.2.2`. */
  readonly awslambdaric?: string;
}

/** What runs a Python handler: AWS's runtime interface client, or the harness's own bootstrap. */
export type PythonRuntimeClient = 'awslambdaric' | 'harness';

/** Finds `command` and asks it its version and its awslambdaric's; undefined when it cannot be started. */
export function pythonInterpreter(command: string): PythonInterpreter | undefined {
  const script = [
    'import sys, importlib.metadata as metadata',
    'try:\n    ric = metadata.version("awslambdaric")\nexcept Exception:\n    ric = ""',
    'print("%d.%d.%d %s" % (sys.version_info[:3] + (ric,)))',
  ].join('\n');
  try {
    const [version, awslambdaric] = execFileSync(command, ['-c', script], { encoding: 'utf8', timeout: 30_000 }).trim().split(' ');
    return { command, version, ...(awslambdaric && { awslambdaric }) };
  } catch {
    return undefined;
  }
}

/**
 * The Lambda Python runtime in a process of its own. With awslambdaric (what Lambda's Python runtimes
 * run), `python -m awslambdaric <handler>` against a Runtime API on loopback, with a sitecustomize that
 * keeps botocore on loopback. Otherwise the harness's bootstrap (written into `work`), which imports
 * the handler from the code directory itself.
 */
export function inPythonProcess(fn: FunctionDescription, python: PythonInterpreter, work: string, client: PythonRuntimeClient): Invoker {
  // Lambda's Python runtime writes no bytecode into the read-only code directory; neither may a local run.
  const quiet = { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
  if (client === 'awslambdaric') {
    const siteDirectory = path.join(work, 'python-loopback');
    fs.mkdirSync(siteDirectory, { recursive: true });
    fs.writeFileSync(path.join(siteDirectory, 'sitecustomize.py'), PYTHON_LOOPBACK);
    return viaRuntimeApi(fn, {
      command: python.command,
      args: ['-m', 'awslambdaric', fn.handler],
      telemetryLog: true,
      environment: { ...quiet, PYTHONPATH: pythonPath(fn, siteDirectory) },
    });
  }
  const bootstrap = path.join(work, 'lambda_python_bootstrap.py');
  fs.writeFileSync(bootstrap, PYTHON_BOOTSTRAP);
  return inChildProcess(({ environment }) => ({
    command: python.command,
    args: [bootstrap],
    memoryMb: fn.memoryMb,
    environment: { ...lambdaRuntimeEnvironment(fn, environment), ...quiet, PYTHONPATH: pythonPath(fn) },
    channel: 'fd3',
    telemetryLog: true,
  }));
}

/** The function's layers' Python directories, as Lambda puts /opt/python on the path, after the harness's own directory. */
function pythonPath(fn: FunctionDescription, ...first: string[]): string {
  return [...first, ...fn.layerEnvironment?.PYTHONPATH?.split(path.delimiter) ?? []].join(path.delimiter);
}

/** Said when the interpreter is not the function's Python version. */
export function pythonVersionWarning(runtime: string, python: PythonInterpreter): string | undefined {
  const wanted = runtime.replace(/^python/, '');
  return python.version.startsWith(`${wanted}.`) ? undefined
    : `The function's runtime is ${runtime}, but the handler ran on Python ${python.version} (${python.command}): pass \`python\` (with the CLI, --python <interpreter>) to run it on ${wanted}`;
}
