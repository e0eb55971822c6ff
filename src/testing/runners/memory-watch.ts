import * as fs from 'fs';

/** How often the watch samples a function's processes: a spike shorter than this can pass unseen. */
export const MEMORY_SAMPLE_MILLIS = 25;

const MB = 1024 * 1024;

/**
 * Holds a function's processes to its memory size, as Lambda's memory limit does, without root and
 * without a cgroup. Every MEMORY_SAMPLE_MILLIS it reads the process and everything it started from
 * /proc, and calls `onExceeded` once their memory that cannot be given back goes over `limitMb`:
 * anonymous and shared memory. A cgroup also charges the pages of files a process maps (node's own
 * binary, about 40 MB), but takes them back before it kills. The peak reported counts them, as
 * Lambda's "Max Memory Used" does, and the first process's own high-water mark (VmHWM) too, so
 * that its peak between samples is not missed. Where /proc is not there (not Linux), it measures
 * nothing and stops nothing.
 */
export class MemoryWatch {
  private peakBytes = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, private readonly limitMb: number, private readonly onExceeded: (peakMb: number) => void) {
    this.timer = setInterval(() => this.sample(), MEMORY_SAMPLE_MILLIS);
    this.timer.unref();
    this.sample();
  }

  /** The highest memory seen, in MB, rounded up as Lambda's "Max Memory Used" is. */
  public get peakMb(): number | undefined {
    return this.peakBytes > 0 ? Math.ceil(this.peakBytes / MB) : undefined;
  }

  public stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  private sample() {
    const tree = processTree(this.pid).map(memoryOf);
    const resident = tree.reduce((total, memory) => total + memory.resident, 0);
    this.peakBytes = Math.max(this.peakBytes, resident, tree[0]?.highWater ?? 0);
    const unreclaimable = tree.reduce((total, memory) => total + memory.unreclaimable, 0);
    if (unreclaimable > this.limitMb * MB) {
      clearInterval(this.timer);
      this.onExceeded(Math.ceil(Math.max(this.peakBytes, unreclaimable) / MB));
    }
  }
}

interface ProcessMemory {
  /** Everything resident (RssAnon + RssFile + RssShmem). */
  readonly resident: number;
  /** What only killing the process frees, without swap (RssAnon + RssShmem). */
  readonly unreclaimable: number;
  /** The process's peak resident memory (VmHWM). */
  readonly highWater: number;
}

/** A process's memory from /proc/<pid>/status (in kB there); nothing for a process already gone. */
function memoryOf(pid: number): ProcessMemory {
  const status = readText(`/proc/${pid}/status`);
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0) * 1024;
  const unreclaimable = field('RssAnon') + field('RssShmem');
  return { resident: unreclaimable + field('RssFile'), unreclaimable, highWater: field('VmHWM') };
}

/** The process and its descendants, from each thread's `children` list in /proc. */
function processTree(root: number): number[] {
  const found: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    found.push(pid);
    for (const thread of readDirectory(`/proc/${pid}/task`)) {
      pending.push(...readText(`/proc/${pid}/task/${thread}/children`).split(' ').filter(Boolean).map(Number));
    }
  }
  return found;
}

// A process can exit between listing and reading it: it then counts for nothing.
function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readDirectory(directory: string): string[] {
  try {
    return fs.readdirSync(directory);
  } catch {
    return [];
  }
}
