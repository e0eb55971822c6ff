import * as path from 'path';
import { NODE_RUNTIMES, type NodeRuntime } from './invoke-like-lambda';
import type { Invoker } from './runners/invoker';
import { inJavaProcess, javaInstallation, javaRuntimeClientClassPath, javaVersionWarning, JAVA_RUNTIME_CLIENT } from './runners/java';
import type { FunctionDescription } from './runners/lambda-environment';
import { inNodeProcess, nodeVersionWarning } from './runners/node-process';
import { inPythonProcess, pythonInterpreter, pythonVersionWarning, type PythonRuntimeClient } from './runners/python';
import { inCustomRuntime } from './runners/runtime-api';
import { StepRunError } from './step-run-error';

/** What a runtime family's runner may be told, besides the function: the options of StepRunOptions that choose how it runs. */
export interface RunnerOptions {
  /** The Lambda runtime to behave as, for Node.js handlers (callback-style handlers run only before nodejs24.x). */
  readonly runtime?: NodeRuntime;
  /** The Python interpreter that runs a Python function. @default 'python3', the first on PATH */
  readonly python?: string;
  /**
   * What runs a Python handler: `awslambdaric`, AWS's runtime interface client, on which Lambda's Python
   * runtimes are built; or `harness`, this library's own bootstrap.
   * @default 'awslambdaric' when the interpreter has it installed, else 'harness'
   */
  readonly pythonRuntimeClient?: PythonRuntimeClient;
  /** The `java` command that runs a Java function. @default 'java', the first on PATH */
  readonly java?: string;
  /** The local Maven repository that holds (or receives) the Java runtime interface client. @default Maven's own, ~/.m2/repository */
  readonly mavenRepository?: string;
}

/** A runner ready for a run: how it invokes the function, what runs it, and what differs from Lambda. */
export interface StartedRunner {
  readonly invoker: Invoker;
  /** What runs the handler, such as `awslambdaric 4.2.2`. */
  readonly runtimeClient: string;
  readonly warnings: string[];
}

/** An option of the CLI's `run`, named as the RunnerOptions property it sets (`--maven-repository` sets `mavenRepository`). */
export interface CliOption {
  readonly flags: string;
  readonly description: string;
  readonly choices?: readonly string[];
}

/** Everything a local run knows about one family of Lambda runtimes. Add a family here, with its runner in runners/. */
export interface RuntimeFamily {
  /** How messages name the family. */
  readonly name: string;
  /** The family's runtimes as a local run names them in messages. */
  readonly runtimes: string;
  readonly matches: (runtime: string) => boolean;
  /** The file CloudFormation writes inline code (`Code.fromInline`) to; none for a family that takes no inline code. */
  readonly inlineFile?: string;
  /** Where the family's code finds a layer's content (Lambda's /opt), by variable, in the path's order. */
  readonly layerPaths: (opt: string, runtime: string) => Record<string, string[]>;
  /** The options of the CLI's `run` that set the family's RunnerOptions: `--java-command` sets `javaCommand`. */
  readonly cliOptions: readonly CliOption[];
  /** Checks what the runner needs on this machine and makes it; `work` is the run's scratch directory. */
  readonly start: (fn: FunctionDescription, options: RunnerOptions, work: string) => Promise<StartedRunner>;
}

const PYTHON_RUNTIME = /^python3\.\d+$/;
const CUSTOM_RUNTIMES = ['provided.al2023', 'provided.al2'];
const JAVA_RUNTIMES = ['java17', 'java21', 'java25'];

export const RUNTIME_FAMILIES: readonly RuntimeFamily[] = [
  {
    name: 'Node.js',
    runtimes: NODE_RUNTIMES.join(', '),
    matches: runtime => NODE_RUNTIMES.includes(runtime as NodeRuntime),
    inlineFile: 'index.js',
    layerPaths: (opt, runtime) => ({ NODE_PATH: [path.join(opt, 'nodejs', runtime.replace(/^nodejs(\d+)\.x$/, 'node$1'), 'node_modules'), path.join(opt, 'nodejs', 'node_modules')] }),
    cliOptions: [],
    start: async fn => ({
      invoker: inNodeProcess(fn),
      runtimeClient: `the harness's Node.js runner on Node.js ${process.versions.node}`,
      warnings: [nodeVersionWarning(fn.runtime as NodeRuntime)].filter(isText),
    }),
  },
  {
    name: 'Python',
    runtimes: 'python3.x',
    matches: runtime => PYTHON_RUNTIME.test(runtime),
    inlineFile: 'index.py',
    layerPaths: (opt, runtime) => ({ PYTHONPATH: [path.join(opt, 'python'), path.join(opt, 'python', 'lib', runtime, 'site-packages')] }),
    cliOptions: [
      { flags: '--python <interpreter>', description: 'the Python interpreter for a Python function (default: python3)' },
      { flags: '--python-runtime-client <client>', description: 'what runs a Python handler (default: awslambdaric where the interpreter has it)', choices: ['awslambdaric', 'harness'] },
    ],
    start: async (fn, options, work) => {
      const command = options.python ?? 'python3';
      const python = pythonInterpreter(command);
      if (!python) {
        throw new StepRunError(`The Python interpreter '${command}' could not be started: install Python ${fn.runtime.replace(/^python/, '')} `
          + 'or pass `python` (the path of an interpreter; with the CLI, --python <interpreter>)');
      }
      const client = options.pythonRuntimeClient ?? (python.awslambdaric ? 'awslambdaric' : 'harness');
      if (client === 'awslambdaric' && !python.awslambdaric) {
        throw new StepRunError(`pythonRuntimeClient is awslambdaric, which ${command} (Python ${python.version}) does not have: install it with ${command} -m pip install awslambdaric`);
      }
      return {
        invoker: inPythonProcess(fn, python, work, client),
        runtimeClient: `${client === 'awslambdaric' ? `awslambdaric ${python.awslambdaric}` : 'the harness\'s Python bootstrap'} on Python ${python.version}`,
        warnings: [pythonVersionWarning(fn.runtime, python)].filter(isText),
      };
    },
  },
  {
    name: 'Java',
    runtimes: JAVA_RUNTIMES.join(', '),
    matches: runtime => JAVA_RUNTIMES.includes(runtime),
    layerPaths: opt => ({ CLASSPATH: [path.join(opt, 'java', 'lib', '*')] }),
    cliOptions: [
      { flags: '--java <command>', description: 'the java command for a Java function (default: java)' },
      { flags: '--maven-repository <directory>', description: 'the local Maven repository holding the Java runtime interface client (default: Maven\'s own)' },
    ],
    start: async (fn, options) => {
      const command = options.java ?? 'java';
      const java = await javaInstallation(command);
      if (!java) {
        throw new StepRunError(`The Java command '${command}' could not be started: install Java ${fn.runtime.replace(/^java/, '')} `
          + 'or pass `java` (the path of a java command; with the CLI, --java <command>)');
      }
      return {
        invoker: inJavaProcess(fn, java, await javaRuntimeClientClassPath(options.mavenRepository)),
        runtimeClient: `${JAVA_RUNTIME_CLIENT.artifactId} ${JAVA_RUNTIME_CLIENT.version} on Java ${java.major}`,
        warnings: [javaVersionWarning(fn.runtime, java)].filter(isText),
      };
    },
  },
  {
    name: 'custom runtimes',
    runtimes: CUSTOM_RUNTIMES.join(', '),
    matches: runtime => CUSTOM_RUNTIMES.includes(runtime),
    layerPaths: () => ({}),
    cliOptions: [],
    start: async fn => ({ invoker: inCustomRuntime(fn), runtimeClient: 'the function\'s bootstrap', warnings: [] }),
  },
];

/** The family of `runtime`, undefined for a runtime a local run cannot start (a container image, Ruby, .NET). */
export function runtimeFamilyOf(runtime: string | undefined): RuntimeFamily | undefined {
  return typeof runtime === 'string' ? RUNTIME_FAMILIES.find(family => family.matches(runtime)) : undefined;
}

/** The runtimes a local run can start, for messages: `Node.js (nodejs20.x, ...), Python (python3.x), ...`. */
export function runtimesRunLocally(): string {
  const families = RUNTIME_FAMILIES.map(family => `${family.name} (${family.runtimes})`);
  return `${families.slice(0, -1).join(', ')} and ${families[families.length - 1]}`;
}

/** The variables that find the layers' content in `opt`, for a function on `runtime`: its family's, and every runtime's bin and lib. */
export function layerEnvironment(opt: string, runtime: string): Record<string, string> {
  const paths = { PATH: [path.join(opt, 'bin')], LD_LIBRARY_PATH: [path.join(opt, 'lib')], ...runtimeFamilyOf(runtime)?.layerPaths(opt, runtime) };
  return Object.fromEntries(Object.entries(paths).map(([variable, directories]) => [variable, directories.join(path.delimiter)]));
}

function isText(value: string | undefined): value is string {
  return value !== undefined;
}
