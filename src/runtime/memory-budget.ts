import * as os from 'os';

const MB = 1024 * 1024;

/** Lambda gives a function one vCPU's worth of CPU at this memory size, and CPU in proportion to memory. */
const MB_PER_VCPU = 1769;

/** How much work the runtime keeps in flight, from the function's memory size. */
export interface MemoryBudget {
  /** The function's memory size in MB (AWS_LAMBDA_FUNCTION_MEMORY_SIZE); undefined outside Lambda. */
  readonly memoryMb?: number;
  /** Threads for zip work, the main thread included: one per vCPU's worth of memory, at most the cores. */
  readonly threads: number;
  /** Ranges downloaded, or parts uploaded, at once (each up to 16 MB passing through). */
  readonly transfers: number;
  /** Large entries streamed to disk at once, beside the batches. */
  readonly largeEntryStreams: number;
  /**
   * The largest entry `readBytes` can hold whole in a function of this memory size; no limit
   * outside Lambda. Reading one takes about twice its size, its inflated pieces and the joined
   * buffer, beside the runtime's own 64 MB.
   */
  readonly wholeEntryBytes?: number;
}

/** What a Node.js function with the runtime and the SDK loaded takes before it reads anything. */
const RUNTIME_BASELINE_MB = 64;

/**
 * The budget for a function of `memoryMb` (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, which Lambda sets;
 * outside Lambda the machine's cores decide). Below one vCPU's worth there is no point in a worker
 * thread: at 128 MB Lambda gives about 7% of a vCPU, and each worker costs about 10 MB. Transfers in
 * flight grow with memory, since each holds buffers while S3 streams to it.
 */
export function memoryBudget(
  memoryMb = functionMemoryMb(), cores = os.availableParallelism(),
): MemoryBudget {
  if (memoryMb === undefined) {
    return { threads: cores, transfers: 4, largeEntryStreams: 2 };
  }
  return {
    memoryMb,
    threads: Math.max(1, Math.min(cores, Math.floor(memoryMb / MB_PER_VCPU))),
    transfers: memoryMb < 256 ? 1 : memoryMb < 512 ? 2 : 4,
    largeEntryStreams: memoryMb < 256 ? 1 : 2,
    wholeEntryBytes: Math.max(0, (memoryMb - RUNTIME_BASELINE_MB) * MB / 2),
  };
}

/** The memory size in MB that holds an entry of `bytes` whole: wholeEntryBytes, the other way round. */
export function memoryForWholeEntry(bytes: number): number {
  return RUNTIME_BASELINE_MB + Math.ceil(2 * bytes / MB);
}

/** The memory size Lambda gives the function, when the runtime runs in Lambda (or a local run). */
const functionMemoryMb = () => Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) || undefined;

/** The collector, which Lambda's Node.js runtime exposes (--expose-gc); undefined elsewhere. */
const exposedGc = () => (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;

/** Buffers passed through since the runtime last collected them itself. */
let passedBytes = 0;

/**
 * Counts `bytes` of buffers that have passed through (downloaded chunks, read blocks) and are now
 * garbage. Their memory lies outside V8's heap, and V8 frees it only when it collects the small
 * objects holding it: a stream of 64 KB chunks piles up tens of MB before that happens. So every
 * 1/16 of the memory size (8 MB at 128 MB) the runtime collects the young generation itself, a
 * pause of about a millisecond. Lambda's Node.js runtime starts with --expose-gc; elsewhere this
 * does nothing.
 */
export function buffersPassed(bytes: number, memoryMb = functionMemoryMb()): void {
  const gc = exposedGc();
  if (!gc || memoryMb === undefined) {
    return;
  }
  passedBytes += bytes;
  if (passedBytes >= memoryMb * MB / 16) {
    passedBytes = 0;
    gc({ type: 'minor' });
  }
}

/** The share of the memory size above which the runtime collects garbage itself between batches. */
const COLLECT_ABOVE = 0.6;

/**
 * Frees the buffers of finished batches once the process nears its memory size. They are external
 * memory, which V8 collects only after about 64 MB more of it: in a 128 MB function that is the
 * difference between finishing and being stopped. Lambda's Node.js runtime starts with --expose-gc,
 * so `gc` is there; elsewhere this does nothing.
 */
export function relieveMemory(memoryMb = functionMemoryMb()): void {
  const gc = exposedGc();
  if (gc && memoryMb !== undefined && process.memoryUsage.rss() > memoryMb * MB * COLLECT_ABOVE) {
    gc();
  }
}
