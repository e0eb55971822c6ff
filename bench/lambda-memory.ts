import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { LoopbackCodePipeline } from '../src/testing/endpoints/codepipeline';
import { measureArtifactCopy } from '../test/support/measure';
import { LoopbackS3 } from '../test/support/s3';
import { temporaryDirectory } from '../test/support/zip';

// The copy step run as Lambda runs a Node.js function of M MB: in a cgroup v1 memory cgroup of M MB
// (the kernel kills it past that, page cache reclaimed first), with the heap flags Lambda's Node.js
// bootstrap derives from M and AWS_LAMBDA_FUNCTION_MEMORY_SIZE set. For the cost figures, also in a
// CPU cgroup with M/1,769 of a core, as Lambda gives CPU in proportion to memory. It needs root and
// cgroup v1 (/sys/fs/cgroup/memory); elsewhere the section says so and is skipped.

const MB = 1024 * 1024;
const ROOT = path.join(__dirname, '..');
const MEMORY_CGROUPS = '/sys/fs/cgroup/memory';
const CPU_CGROUPS = '/sys/fs/cgroup/cpu';
/** Lambda gives one vCPU at this memory size, and CPU in proportion to memory. */
const MB_PER_VCPU = 1769;
const TABLE_SIZES = [128, 256, 512, 1769];
/** The sizes tried for each variant's minimum: Lambda takes any whole MB from 128 to 10,240. */
const LADDER = [128, 144, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 1024, 1280, 1536, 1769, 2048, 3008];
const COST_SIZES = [128, 512, 1769];

const run = promisify(execFile);

/** One limited run's cgroups; removed by `remove` once its processes have exited. */
export class LambdaCgroup {
  private static created = 0;
  private readonly name = `cdk-lambda-invoke-step-bench-${process.pid}-${LambdaCgroup.created++}`;

  constructor(memoryMb: number, private readonly limitCpu: boolean) {
    fs.mkdirSync(this.memoryDirectory);
    fs.writeFileSync(path.join(this.memoryDirectory, 'memory.limit_in_bytes'), String(memoryMb * MB));
    if (limitCpu) {
      fs.mkdirSync(this.cpuDirectory);
      const period = 100_000;
      fs.writeFileSync(path.join(this.cpuDirectory, 'cpu.cfs_period_us'), String(period));
      fs.writeFileSync(path.join(this.cpuDirectory, 'cpu.cfs_quota_us'), String(Math.round(period * memoryMb / MB_PER_VCPU)));
    }
  }

  private get memoryDirectory() {
    return path.join(MEMORY_CGROUPS, this.name);
  }

  private get cpuDirectory() {
    return path.join(CPU_CGROUPS, this.name);
  }

  /** The command line, started by a shell that first moves itself into the cgroups. */
  public launch(line: string[]): string[] {
    const directories = [this.memoryDirectory, ...(this.limitCpu ? [this.cpuDirectory] : [])];
    const join = directories.map(directory => `echo $$ > ${directory}/cgroup.procs`).join(' && ');
    return ['sh', '-c', `${join} && exec "$@"`, 'sh', ...line];
  }

  /**
   * Samples, every 10 ms until stopped, the cgroup's memory that cannot be reclaimed (anonymous and
   * shared: memory.stat's rss and shmem), the part that makes the kernel kill; the highest is `anonymousPeakMb`.
   */
  public watch(): () => number {
    let peak = 0;
    const sample = () => {
      const stat = fs.readFileSync(path.join(this.memoryDirectory, 'memory.stat'), 'utf8');
      const field = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
      peak = Math.max(peak, field('rss') + field('shmem'));
    };
    const timer = setInterval(sample, 10);
    return () => {
      clearInterval(timer);
      return peak / MB;
    };
  }

  /** Whether the kernel killed a process of the cgroup for going over its memory. */
  public get killedForMemory(): boolean {
    const control = fs.readFileSync(path.join(this.memoryDirectory, 'memory.oom_control'), 'utf8');
    return Number(/^oom_kill (\d+)$/m.exec(control)?.[1] ?? 0) > 0;
  }

  public remove() {
    fs.rmdirSync(this.memoryDirectory);
    if (this.limitCpu) {
      fs.rmdirSync(this.cpuDirectory);
    }
  }
}

/** Whether this machine lets the benchmark make memory cgroups: root and cgroup v1. */
export function cgroupsAvailable(): boolean {
  try {
    fs.accessSync(path.join(MEMORY_CGROUPS, 'cgroup.procs'), fs.constants.W_OK);
    fs.accessSync(path.join(CPU_CGROUPS, 'cgroup.procs'), fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

interface Variant {
  readonly what: string;
  readonly handler: string;
}

const VARIANTS: Variant[] = [
  { what: 'runtime: extractTo + write(dir)', handler: path.join(ROOT, 'test', 'fixtures', 'copy-artifact-handler.ts') },
  { what: 'SDK + Info-ZIP: unzip + zip', handler: path.join(ROOT, 'bench', 'fixtures', 'info-zip-copy-handler.ts') },
  { what: 'SDK + adm-zip: extractAllTo + addLocalFolder', handler: path.join(ROOT, 'bench', 'fixtures', 'adm-zip-disk-copy-handler.ts') },
];

/** What one run in a cgroup came to: the handler's own peak (VmHWM) and time, or why it did not copy. */
interface LimitedRun {
  readonly outcome: 'copied' | 'killed' | 'failed';
  readonly peakMb?: number;
  /** The cgroup's peak of anonymous and shared memory, children included. */
  readonly anonymousPeakMb?: number;
  readonly seconds?: number;
  readonly error?: string;
}

interface Endpoints {
  readonly s3: LoopbackS3;
  readonly codePipeline: LoopbackCodePipeline;
}

async function runLimited(
  zipPath: string, variant: Variant, memoryMb: number, endpoints: Endpoints, options: { limitCpu?: boolean; withOutput?: boolean } = {},
): Promise<LimitedRun> {
  const cgroup = new LambdaCgroup(memoryMb, options.limitCpu ?? false);
  const anonymousPeak = cgroup.watch();
  try {
    const measured = await measureArtifactCopy(zipPath, endpoints.s3, endpoints.codePipeline, variant.handler, {
      memoryMb, withOutput: options.withOutput, launch: line => cgroup.launch(line),
    });
    return { outcome: 'copied', peakMb: measured.peakRss / MB, anonymousPeakMb: anonymousPeak(), seconds: measured.seconds };
  } catch (error) {
    return cgroup.killedForMemory ? { outcome: 'killed' } : { outcome: 'failed', error: String(error).slice(0, 300) };
  } finally {
    anonymousPeak();
    cgroup.remove();
  }
}

interface Workload {
  readonly name: string;
  readonly zipPath: string;
}

/** Zips `directory` into `work`, as Info-ZIP does for a build's artifact. */
async function zipDirectory(work: string, name: string, directory: string): Promise<string> {
  const zipPath = path.join(work, `${name}.zip`);
  await run('zip', ['-q', '-r', '-X', zipPath, '.'], { cwd: directory, maxBuffer: 64 * MB });
  return zipPath;
}

const sourceTree = async (work: string): Promise<Workload> =>
  ({ name: 'Source tree (aws-cdk-lib, about 7,000 files)', zipPath: await zipDirectory(work, 'source-tree', path.join(ROOT, 'node_modules', 'aws-cdk-lib')) });

async function prepareWorkloads(work: string): Promise<Workload[]> {
  const incompressible = path.join(work, 'incompressible');
  fs.mkdirSync(incompressible);
  await run('sh', ['-c', `head -c ${200 * MB} /dev/urandom > data.bin`], { cwd: incompressible });
  const manyEntries = path.join(work, 'many-entries');
  for (let directory = 0; directory < 200; directory++) {
    fs.mkdirSync(path.join(manyEntries, `module-${directory}`), { recursive: true });
    for (let file = 0; file < 100; file++) {
      fs.writeFileSync(path.join(manyEntries, `module-${directory}`, `file-${file}.js`), `export const value${file} = ${JSON.stringify('x'.repeat(200 + file))};\n`);
    }
  }
  return [
    await sourceTree(work),
    { name: 'Incompressible data (200 MB)', zipPath: await zipDirectory(work, 'incompressible', incompressible) },
    { name: '20,000 small files', zipPath: await zipDirectory(work, 'many-entries', manyEntries) },
  ];
}

/** Runs `measure` with the loopback endpoints and a scratch directory, when this machine has cgroups. */
async function inCgroups<T>(section: string, measure: (work: string, endpoints: Endpoints) => Promise<T>): Promise<T | undefined> {
  if (!cgroupsAvailable()) {
    console.log(`\n${section}: skipped, it needs root and cgroup v1 (/sys/fs/cgroup/memory and /sys/fs/cgroup/cpu).`);
    return undefined;
  }
  const work = temporaryDirectory('bench-memory-');
  const endpoints = { s3: await LoopbackS3.start(['artifacts']), codePipeline: await LoopbackCodePipeline.start() };
  try {
    return await measure(work, endpoints);
  } finally {
    await endpoints.s3.stop();
    await endpoints.codePipeline.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const cell = (result: LimitedRun) => result.outcome === 'copied' ? `${result.peakMb!.toFixed(0)} (${result.anonymousPeakMb!.toFixed(0)})` : result.outcome;

/**
 * The smallest size on the ladder that copies, bisected between the table's sizes: the smallest
 * that copied bounds it above, and the largest below that which failed bounds it below.
 */
async function minimumMemory(
  workload: Workload, variant: Variant, table: Map<number, LimitedRun>, endpoints: Endpoints,
): Promise<number | undefined> {
  const copied = TABLE_SIZES.filter(size => table.get(size)!.outcome === 'copied');
  const smallestCopied = copied.length > 0 ? Math.min(...copied) : undefined;
  const failedBelow = TABLE_SIZES.filter(size => !copied.includes(size) && (smallestCopied === undefined || size < smallestCopied));
  let low = failedBelow.length > 0 ? LADDER.indexOf(Math.max(...failedBelow)) : -1;
  let high = smallestCopied !== undefined ? LADDER.indexOf(smallestCopied) : LADDER.length;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if ((await runLimited(workload.zipPath, variant, LADDER[middle], endpoints)).outcome === 'copied') {
      high = middle;
    } else {
      low = middle;
    }
  }
  return LADDER[high];
}

/** The memory table: each variant's peak at each size, and the least memory it copies in. */
export function lambdaMemory() {
  return inCgroups('Lambda memory', async (work, endpoints) => {
    const results = [];
    for (const workload of await prepareWorkloads(work)) {
      console.log(`\n${workload.name}, ${(fs.statSync(workload.zipPath).size / MB).toFixed(0)} MB zipped: peak memory in a memory cgroup of each size, with Lambda's Node.js flags, in MB: `
        + 'the handler process\'s VmHWM (which counts about 40 MB of node\'s own mapped binary), and in brackets the cgroup\'s anonymous memory, '
        + 'what the kernel cannot reclaim and kills for:\n');
      console.log(`| what | ${TABLE_SIZES.map(size => `${size} MB`).join(' | ')} | minimum |`);
      console.log(`|---|${TABLE_SIZES.map(() => '---:').join('|')}|---:|`);
      for (const variant of VARIANTS) {
        const table = new Map<number, LimitedRun>();
        for (const size of TABLE_SIZES) {
          table.set(size, await runLimited(workload.zipPath, variant, size, endpoints));
        }
        const minimum = await minimumMemory(workload, variant, table, endpoints);
        console.log(`| ${variant.what} | ${TABLE_SIZES.map(size => cell(table.get(size)!)).join(' | ')} | ${minimum ?? `> ${LADDER[LADDER.length - 1]}`} |`);
        const failures = [...table.values()].filter(result => result.outcome === 'failed');
        failures.forEach(failure => console.log(`  (failed, not for memory: ${failure.error})`));
        results.push({ workload: workload.name, variant: variant.what, sizes: Object.fromEntries(table), minimumMb: minimum });
      }
    }
    return results;
  });
}

/**
 * What a step costs at each size, with CPU limited in proportion to memory as Lambda limits it:
 * the handler's duration × memory in GB-seconds, the unit Lambda bills. Two steps: the runtime's
 * source-tree copy, and a step without artifacts that only reports its result.
 */
export function lambdaCost() {
  return inCgroups('Lambda cost', async (work, endpoints) => cost(await sourceTree(work), endpoints));
}

async function cost(tree: Workload, endpoints: Endpoints) {
  const steps = [
    // One copy each: it runs for minutes at 128 MB, long enough to even out noise; the short step, the median of 5.
    { what: 'source-tree copy (runtime)', variant: VARIANTS[0], withOutput: true, repeats: 1 },
    { what: 'no artifacts: report success', variant: { what: 'report', handler: path.join(ROOT, 'bench', 'fixtures', 'runtime-handler.ts') }, withOutput: false, repeats: 5 },
  ];
  console.log(`\nCost with memory and CPU (M/${MB_PER_VCPU} of a core) as Lambda gives them; the handler's duration (the copy once, the other the median of 5):\n`);
  console.log('| step | memory (MB) | CPU share | seconds | GB-seconds |');
  console.log('|---|---:|---:|---:|---:|');
  const rows = [];
  for (const step of steps) {
    for (const size of COST_SIZES) {
      const durations: number[] = [];
      for (let repeat = 0; repeat < step.repeats; repeat++) {
        const result = await runLimited(tree.zipPath, step.variant, size, endpoints, { limitCpu: true, withOutput: step.withOutput });
        durations.push(result.seconds ?? NaN);
      }
      const seconds = [...durations].sort((a, b) => a - b)[Math.floor(durations.length / 2)];
      const gbSeconds = seconds * size / 1024;
      console.log(`| ${step.what} | ${size} | ${(size / MB_PER_VCPU).toFixed(3)} | ${seconds.toFixed(2)} | ${gbSeconds.toFixed(3)} |`);
      rows.push({ step: step.what, memoryMb: size, seconds, gbSeconds });
    }
  }
  return rows;
}
