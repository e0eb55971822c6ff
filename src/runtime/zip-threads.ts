import * as fs from 'fs';
import * as os from 'os';
import { Worker } from 'worker_threads';
import * as zlib from 'zlib';

/*
 * Inflating and deflating thousands of small entries is work for every core, and each entry's
 * file system calls cost less made synchronously on a thread of their own than as trips through
 * libuv's thread pool (measured on a source tree of 7,140 files: about a third of the time). The
 * runtime is bundled into the function's own file, so a worker cannot be started from a file of
 * the runtime's: it starts from the source text of the functions below.
 *
 * The functions from here to `runTask` run in workers. Each uses only its parameters, the
 * functions beside it (called by name) and JavaScript's and Node.js's globals; none declares a
 * function or class inside itself, as a bundler keeping names wraps those in a helper of the
 * bundle's. test/runtime/zip-threads.test.ts runs them in a bare context and from bundles built
 * with such options.
 */

/** The Node.js modules the tasks use, given to them: a worker started from source has its own. */
export interface TaskModules {
  readonly fs: typeof fs;
  readonly zlib: typeof zlib;
}

export interface ExtractEntry {
  /** Absolute path of the file to write; its directory exists. */
  readonly target: string;
  /** Where the entry's local header starts in the zip file; its data follows the header. */
  readonly localHeaderOffset: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly deflated: boolean;
  readonly crc32: number;
  /** The permission bits to create the file with (the umask applies); undefined for the default. */
  readonly mode?: number;
}

/** Entries of one zip file to inflate, verify and write. */
export interface ExtractTask {
  readonly kind: 'extract';
  readonly zipPath: string;
  readonly entries: readonly ExtractEntry[];
}

/** What went wrong with an entry's data, as facts; zip-reader.ts words them. */
export type EntryProblem =
  | { readonly kind: 'crc'; readonly actual: number }
  | { readonly kind: 'too-many' }
  | { readonly kind: 'too-few'; readonly actual: number }
  | { readonly kind: 'error'; readonly code?: string; readonly message: string };

export interface ExtractResult {
  /** The entry that failed, by its index in the task; the entries before it were written, none after it. */
  readonly failure?: { readonly index: number; readonly problem: EntryProblem };
}

/** How entries are deflated; zip-writer.ts holds the values and why. */
export interface DeflateSettings {
  /** zlib's compression level. */
  readonly level: number;
  /** How much of larger data's start is deflated first, to tell whether the whole is worth deflating. */
  readonly sampleBytes: number;
  /** The share of its size the sample must deflate to for the whole to be deflated. */
  readonly worthDeflating: number;
}

/** Files to read whole and compress, in order. */
export interface CompressTask {
  readonly kind: 'compress';
  readonly paths: readonly string[];
  readonly deflate: DeflateSettings;
}

export interface CompressedEntry {
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly crc32: number;
  readonly uncompressedSize: number;
  readonly body: Uint8Array;
}

export type ZipTask = ExtractTask | CompressTask;

export function extractEntries(node: TaskModules, task: ExtractTask): ExtractResult {
  const zip = node.fs.openSync(task.zipPath, 'r');
  // One buffer for every entry's compressed data: less memory waiting for the collector.
  const scratch = Buffer.allocUnsafe(Math.max(0, ...task.entries.map(entry => entry.compressedSize)));
  const header = Buffer.allocUnsafe(30);
  try {
    for (let index = 0; index < task.entries.length; index++) {
      const entry = task.entries[index];
      let problem: EntryProblem | undefined;
      try {
        // The local header is read here, in the batch, rather than one asynchronous read per entry
        // beforehand: thousands of small files made thousands of hand-offs to libuv's threads. Its
        // name and extra field may differ in length from the central directory's.
        const signature = node.fs.readSync(zip, header, 0, 30, entry.localHeaderOffset) === 30 ? header.readUInt32LE(0) : 0;
        if (signature !== 0x04034b50) {
          throw new Error(`invalid local file header signature: 0x${signature.toString(16)}`);
        }
        const dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
        const stored = scratch.subarray(0, entry.compressedSize);
        if (readAt(node, zip, stored, dataStart) < stored.length) {
          throw new Error(`the zip file ends before the entry's ${entry.compressedSize} bytes of data`);
        }
        // One byte more than declared is enough to tell an entry that inflates past its size. Output
        // of exactly that size is one buffer, where zlib's default 16 KB pieces are several, joined.
        const outputBytes = entry.uncompressedSize + 1;
        const data = entry.deflated
          ? node.zlib.inflateRawSync(stored, { maxOutputLength: outputBytes, chunkSize: Math.max(64, outputBytes) })
          : stored;
        const crc32 = node.zlib.crc32(data);
        if (data.length > entry.uncompressedSize) {
          problem = { kind: 'too-many' };
        } else if (data.length < entry.uncompressedSize) {
          problem = { kind: 'too-few', actual: data.length };
        } else if (crc32 !== entry.crc32) {
          problem = { kind: 'crc', actual: crc32 };
        } else {
          node.fs.writeFileSync(entry.target, data, { mode: entry.mode });
        }
      } catch (error) {
        const { code, message } = error as NodeJS.ErrnoException;
        problem = code === 'ERR_BUFFER_TOO_LARGE' ? { kind: 'too-many' } : { kind: 'error', code, message };
      }
      if (problem) {
        node.fs.rmSync(entry.target, { force: true });
        return { failure: { index, problem } };
      }
    }
    return {};
  } finally {
    node.fs.closeSync(zip);
  }
}

export function compressFiles(node: TaskModules, task: CompressTask): CompressedEntry[] {
  // One buffer to read every file into: buffers are memory outside V8's heap, and each 64 MB more
  // of them starts a collection of the whole heap, work that competes for a small function's CPU.
  let scratch = Buffer.allocUnsafe(0);
  return task.paths.map(file => {
    const handle = node.fs.openSync(file, 'r');
    let data: Buffer;
    try {
      const size = node.fs.fstatSync(handle).size;
      if (size > scratch.length) {
        scratch = Buffer.allocUnsafe(size);
      }
      // A file that shrank since its size was read gives what it still has, as readFileSync would.
      data = scratch.subarray(0, readAt(node, handle, scratch.subarray(0, size), 0));
    } finally {
      node.fs.closeSync(handle);
    }
    const compressed = compressEntry(node, data, task.deflate);
    // A stored body is still the scratch buffer, which the next file overwrites.
    return compressed.body === data ? { ...compressed, body: Buffer.from(data) } : compressed;
  });
}

/**
 * The entry's body: deflated, unless deflating does not shrink it. For larger data, a sample of
 * its start tells whether deflating the whole is worth trying, so incompressible data is not
 * deflated in vain.
 */
export function compressEntry(node: TaskModules, data: Uint8Array, settings: DeflateSettings): CompressedEntry {
  const worthTrying = data.length <= settings.sampleBytes || deflatingPays(node, data.subarray(0, settings.sampleBytes), settings.worthDeflating);
  // Small data deflates into one buffer of its size rather than zlib's default 16 KB.
  const chunkSize = Math.max(64, Math.min(data.length, 16 * 1024));
  const deflated = worthTrying ? node.zlib.deflateRawSync(data, { level: settings.level, chunkSize }) : undefined;
  const body = deflated && deflated.length < data.length ? deflated : data;
  return { method: body === data ? 0 : 8, crc32: node.zlib.crc32(data), uncompressedSize: data.length, body };
}

/** Fills `target` from the file at `position` until it is full or the file ends; the bytes read. */
export function readAt(node: TaskModules, handle: number, target: Buffer, position: number): number {
  let read = 0;
  while (read < target.length) {
    const count = node.fs.readSync(handle, target, read, target.length - read, position + read);
    if (count === 0) {
      break;
    }
    read += count;
  }
  return read;
}

/** Whether deflating (quickly) shrinks `sample`, the start of some data, to at most `worthDeflating` of its size. */
export function deflatingPays(node: TaskModules, sample: Uint8Array, worthDeflating: number): boolean {
  return node.zlib.deflateRawSync(sample, { level: 1 }).length < sample.length * worthDeflating;
}

export function runTask(node: TaskModules, task: ZipTask): ExtractResult | CompressedEntry[] {
  return task.kind === 'extract' ? extractEntries(node, task) : compressFiles(node, task);
}

/**
 * The worker's whole program: the task functions, and a loop answering each message with its
 * task's result. A worker started from source is a CommonJS script, with `require` of its own
 * (scripts/build-esm-runtime.mjs, which refuses `require` in the ES module build, knows this
 * program by its markers).
 */
export function workerSource(): string {
  return [extractEntries, compressFiles, compressEntry, deflatingPays, readAt].join('\n') + `
/* zip worker program */
const run = (${runTask});
const node = { fs: require('fs'), zlib: require('zlib') };
const { parentPort } = require('worker_threads');
parentPort.on('message', task => {
  let answer;
  try {
    answer = { result: run(node, task) };
  } catch (error) {
    answer = { error: { message: String(error && error.message || error), code: error && error.code } };
  }
  parentPort.postMessage(answer);
});
/* end of zip worker program */`;
}

/** Entries (and files) up to this size are handled whole, in memory, by the threads; larger ones stream. */
export const WHOLE_ENTRY_BYTES = 4 * 1024 * 1024;

/**
 * A task's share of the work: large enough to make its message worth sending, small enough to keep
 * memory flat (a thread holds a batch's data at most twice: as read and as written).
 */
const BATCH = { items: 64, bytes: 1024 * 1024 } as const;

/** `items` in order, in batches of at most BATCH.items items and BATCH.bytes bytes; an item larger than that makes a batch of its own. */
export function inBatches<T>(items: readonly T[], sizeOf: (item: T) => number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= BATCH.items || bytes + size > BATCH.bytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) {
    batches.push(current);
  }
  return batches;
}

/** The main thread's own modules, for the tasks it runs. */
export const MAIN_THREAD: TaskModules = { fs, zlib };

interface Pending {
  readonly task: ZipTask;
  readonly resolve: (result: any) => void;
  readonly reject: (error: Error) => void;
}

/** Tasks a worker holds at once: the one it runs and the next, so that it does not wait for the main thread between them. */
const TASKS_PER_WORKER = 2;

/**
 * Runs zip tasks on as many threads as the function has cores (Lambda gives up to 6): worker
 * threads, and the main thread itself (each worker costs about 10 MB), which runs a task between
 * other work. Answers come in the order each thread ran its tasks. A worker that dies fails every
 * task not answered yet; `close` ends the workers, failing what is left.
 */
export class ZipThreads {
  /** Threads for `tasks` tasks, one per core: no more threads than tasks, so a single task starts no worker. */
  public static start(tasks: number, cores = os.availableParallelism()): ZipThreads {
    return new ZipThreads(Math.max(1, Math.min(cores, tasks)) - 1);
  }

  private readonly workers: Array<{ readonly worker: Worker; readonly running: Pending[] }> = [];
  private readonly waiting: Pending[] = [];
  private mainThreadBusy = false;
  private stopped?: Error;

  private constructor(workers: number) {
    const source = workerSource();
    for (let i = 0; i < workers; i++) {
      // eval: the worker's program is the source text above, not a file of the runtime's. A small
      // young generation has the collector free the buffers of finished entries sooner.
      const worker = new Worker(source, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 1 } });
      const slot = { worker, running: [] as Pending[] };
      worker.on('message', (answer: { result?: unknown; error?: { message: string; code?: string } }) => {
        const pending = slot.running.shift()!;
        if (answer.error) {
          pending.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }));
        } else {
          pending.resolve(answer.result);
        }
        this.dispatch();
      });
      worker.on('error', (error: Error) => this.stop(new Error(`a zip worker thread failed: ${error.message}`, { cause: error })));
      worker.on('exit', code => this.stop(new Error(`a zip worker thread exited (code ${code})`)));
      this.workers.push(slot);
    }
  }

  /** How many threads run tasks, the main thread included. */
  public get size(): number {
    return this.workers.length + 1;
  }

  public run(task: ExtractTask): Promise<ExtractResult>;
  public run(task: CompressTask): Promise<CompressedEntry[]>;
  public run(task: ZipTask): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.stopped) {
        reject(this.stopped);
        return;
      }
      this.waiting.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every worker; tasks not answered yet fail. */
  public async close(): Promise<void> {
    this.stop(new Error('the zip worker threads were closed'));
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }

  private dispatch() {
    while (this.waiting.length > 0 && !this.stopped) {
      const worker = this.workers.reduce<typeof this.workers[number] | undefined>(
        (least, slot) => slot.running.length < (least?.running.length ?? TASKS_PER_WORKER) ? slot : least, undefined);
      if (worker && (worker.running.length === 0 || this.mainThreadBusy)) {
        const pending = this.waiting.shift()!;
        worker.running.push(pending);
        worker.worker.postMessage(pending.task);
      } else if (!this.mainThreadBusy) {
        this.runOnMainThread(this.waiting.shift()!);
      } else {
        return;
      }
    }
  }

  /** Runs the task once the main thread is free of what it does now, synchronously. */
  private runOnMainThread(pending: Pending) {
    this.mainThreadBusy = true;
    setImmediate(() => {
      try {
        if (this.stopped) {
          throw this.stopped;
        }
        pending.resolve(runTask(MAIN_THREAD, pending.task));
      } catch (error) {
        pending.reject(error as Error);
      } finally {
        this.mainThreadBusy = false;
        this.dispatch();
      }
    });
  }

  private stop(reason: Error) {
    if (this.stopped) {
      return;
    }
    this.stopped = reason;
    for (const pending of [...this.workers.flatMap(slot => slot.running.splice(0)), ...this.waiting.splice(0)]) {
      pending.reject(reason);
    }
  }
}
