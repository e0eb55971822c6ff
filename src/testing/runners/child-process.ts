import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FunctionError, InvocationEnd, Invoker, InvocationSettings, LATE_CALL_GRACE_MILLIS } from './invoker';
import { MemoryWatch } from './memory-watch';

/** A message a runner sends when the handler has settled, and what it noticed on the way. */
export interface RunnerMessage {
  readonly settled?: true;
  readonly error?: FunctionError;
  readonly unsupported?: string;
  readonly returnedWithoutPromise?: true;
}

/** How to start a runner for one invocation. */
export interface RunnerCommand {
  readonly command: string;
  readonly args: string[];
  /** Added to the function's environment (besides PATH and the LOCAL_STEP_* settings). */
  readonly environment?: Record<string, string>;
  /** The function's memory size in MB, which the process and everything it starts are held to. */
  readonly memoryMb: number;
  /**
   * Node.js runners report on their IPC channel, Python's bootstrap in JSON lines on file descriptor 3,
   * a custom runtime through the Runtime API (`subscribe`), after which it asks for the next event and
   * is stopped once the grace for late requests is over.
   */
  readonly channel: 'ipc' | 'fd3' | 'runtime-api';
  readonly subscribe?: (deliver: (message: RunnerMessage) => void) => void;
  /** The working directory: the code's, as Lambda's is LAMBDA_TASK_ROOT. */
  readonly cwd?: string;
  /** Called once the process has exited, with everything it started. */
  readonly onExit?: () => void;
  /**
   * Gives the process Lambda's telemetry log: _LAMBDA_TELEMETRY_LOG_FD names a file descriptor where
   * Lambda's runtime clients (awslambdaric, the Java client, the harness's Python bootstrap) write each
   * log event as one frame.
   */
  readonly telemetryLog?: boolean;
}

/**
 * Runs each invocation in a process of its own, in a process group of its own, so that a handler
 * still running at its timeout is stopped with everything it started. The process gets the
 * function's environment and nothing of the developer's but PATH, and the event in a file
 * (LOCAL_STEP_EVENT), removed afterwards.
 */
export function inChildProcess(command: (settings: InvocationSettings) => RunnerCommand): Invoker {
  return (event, settings, logs, notes) => new Promise((resolve, reject) => {
    const { timeoutMillis, environment, runtime } = settings;
    const eventFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'step-event-')), 'event.json');
    fs.writeFileSync(eventFile, JSON.stringify(event));
    const runner = command(settings);
    const child = spawn(runner.command, runner.args, {
      env: {
        PATH: process.env.PATH ?? '',
        ...environment,
        ...runner.environment,
        LOCAL_STEP_EVENT: eventFile,
        LOCAL_STEP_TIMEOUT: String(timeoutMillis),
        LOCAL_STEP_RUNTIME: runtime,
        LOCAL_STEP_GRACE: String(LATE_CALL_GRACE_MILLIS),
        ...(runner.telemetryLog && { _LAMBDA_TELEMETRY_LOG_FD: String(TELEMETRY_FD) }),
      },
      stdio: ['ignore', 'pipe', 'pipe', runner.channel === 'ipc' ? 'ipc' : 'pipe', ...runner.telemetryLog ? ['pipe' as const] : []],
      detached: true,
      cwd: runner.cwd,
    });
    const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const split = (pending + chunk).split('\n');
        pending = split.pop()!;
        split.forEach(onLine);
      });
      stream.on('end', () => pending && onLine(pending));
    };
    lines(child.stdout!, line => logs.push(line));
    // A process that exits early (a bootstrap that fails, a missing interpreter) says why on stderr.
    const lastStderr: string[] = [];
    lines(child.stderr!, line => {
      logs.push(line);
      lastStderr.push(line);
      lastStderr.splice(0, lastStderr.length - STDERR_LINES_SHOWN);
    });
    let end: InvocationEnd | undefined;
    // Over its memory size, Lambda stops the function's runtime: so does the watch.
    let outOfMemoryAt: number | undefined;
    const watch = child.pid === undefined ? undefined : new MemoryWatch(child.pid, runner.memoryMb, peakMb => {
      outOfMemoryAt = peakMb;
      stopGroup(child.pid);
    });
    // The runner reports how the handler ended as soon as it settles, then lingers briefly so that
    // requests the handler left running reach the endpoints, which refuse them as late.
    const onMessage = (message: RunnerMessage) => {
      if (message.unsupported) {
        notes.unsupportedUses.push(message.unsupported);
      }
      notes.returnedWithoutPromise ||= !!message.returnedWithoutPromise;
      if (message.settled) {
        end = { timedOut: false, error: message.error, peakMb: watch?.peakMb };
        clearTimeout(timer);
        resolve(end);
      }
    };
    if (runner.telemetryLog) {
      logFrames(child.stdio[TELEMETRY_FD] as NodeJS.ReadableStream, message => logs.push(message.replace(/\n$/, '')));
    }
    if (runner.channel === 'ipc') {
      child.on('message', onMessage);
    } else if (runner.channel === 'fd3') {
      lines(child.stdio[3] as NodeJS.ReadableStream, line => onMessage(JSON.parse(line)));
    } else {
      runner.subscribe!(message => {
        onMessage(message);
        setTimeout(() => stopGroup(child.pid), LATE_CALL_GRACE_MILLIS);
      });
    }
    const timer = setTimeout(() => {
      end = { timedOut: true, peakMb: watch?.peakMb };
      stopGroup(child.pid);
    }, timeoutMillis + 1_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      watch?.stop();
      stopGroup(child.pid);
      runner.onExit?.();
      fs.rmSync(path.dirname(eventFile), { recursive: true, force: true });
      const said = lastStderr.length > 0 ? `; its last lines on stderr: ${lastStderr.map(line => JSON.stringify(line)).join(' ')}` : '';
      if (!end && outOfMemoryAt !== undefined) {
        // As Lambda records a runtime it stopped for going over the function's memory.
        resolve({
          timedOut: false,
          error: { errorType: 'Runtime.OutOfMemory', errorMessage: 'Runtime exited with error: signal: killed' },
          detail: `its processes used ${outOfMemoryAt} MB, over the function's memory size of ${runner.memoryMb} MB, and were stopped as Lambda stops them`,
          peakMb: outOfMemoryAt,
        });
        return;
      }
      // As Lambda records a runtime that exits during an invocation.
      resolve(end ?? {
        timedOut: false,
        error: { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`}` },
        detail: `the process exited with ${signal ? `signal ${signal}` : `code ${code}`} before the handler settled${said}`,
        peakMb: watch?.peakMb,
      });
    });
  });
}

/**
 * Reads Lambda's telemetry log frames: a 4-byte type (0xa55a in its high half, the level and format
 * in its low), a 4-byte length and an 8-byte timestamp, big-endian, then the message. Each frame is
 * one log event, as CloudWatch Logs shows it, however many lines it holds.
 */
function logFrames(stream: NodeJS.ReadableStream, onFrame: (message: string) => void) {
  const HEADER = 16;
  let buffered = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= HEADER) {
      if (buffered.readUInt16BE(0) !== 0xa55a) {
        // Not a frame: what was written is kept as text rather than lost.
        onFrame(buffered.toString('utf8'));
        buffered = Buffer.alloc(0);
        return;
      }
      const end = HEADER + buffered.readUInt32BE(4);
      if (buffered.length < end) {
        return;
      }
      onFrame(buffered.subarray(HEADER, end).toString('utf8'));
      buffered = buffered.subarray(end);
    }
  });
}

/** The telemetry log's file descriptor: after stdin, stdout, stderr and the runner's own channel. */
const TELEMETRY_FD = 4;

/** How many of an early exit's last stderr lines its error shows. */
const STDERR_LINES_SHOWN = 5;

/** Stops a runner's whole process group: Lambda freezes and then discards everything the function started. */
function stopGroup(pid: number | undefined) {
  try {
    if (pid) {
      process.kill(-pid, 'SIGKILL');
    }
  } catch {
    // Already gone.
  }
}
