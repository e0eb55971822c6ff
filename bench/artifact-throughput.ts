import { execFile } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { LambdaCgroup, cgroupsAvailable } from './lambda-memory';
import { LoopbackCodePipeline } from '../src/testing/endpoints/codepipeline';
import { Measurement, measureArtifactCopy } from '../test/support/measure';
import { LoopbackS3 } from '../test/support/s3';

// Artifact throughput and peak memory of the runtime beside the steps users write instead, on the
// artifacts they have: a source tree of thousands of small files, and incompressible data. Each
// handler is bundled and run in a process of its own against the same S3 stand-in; the variants
// alternate and each figure is the median of BENCH_ARTIFACT_REPEATS runs (default 3).

const MB = 1024 * 1024;
/**
 * Every variant runs as a function of these sizes: in a cgroup of the memory with CPU in proportion
 * (one vCPU at 1,769 MB, two at 3,538), the handlers with Lambda's Node.js flags and
 * AWS_LAMBDA_FUNCTION_MEMORY_SIZE. The speed targets apply from one vCPU up.
 */
const FUNCTION_SIZES_MB = [1769, 3538];
const ROOT = path.join(__dirname, '..');
const run = promisify(execFile);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export interface Workload {
  readonly name: string;
  readonly memoryMb: number;
  readonly files: number;
  readonly megabytes: number;
  readonly zippedMegabytes: number;
  readonly rows: Row[];
}

export interface Row {
  readonly what: string;
  readonly seconds: number;
  readonly peakMemoryMb: number;
}

interface Variant {
  readonly what: string;
  readonly measure: (launch: Launch) => Promise<{ seconds: number; peakMemoryMb: number }>;
}

/** Wraps a command line so that it runs as the function does. */
type Launch = (line: string[]) => string[];

/** Runs `measure` with its processes in a cgroup of a `memoryMb` function; where there are no cgroups, as they are. */
async function asFunction<T>(memoryMb: number, measure: (launch: Launch) => Promise<T>): Promise<T> {
  if (!cgroupsAvailable()) {
    return measure(line => line);
  }
  const cgroup = new LambdaCgroup(memoryMb, true);
  try {
    return await measure(line => cgroup.launch(line));
  } finally {
    cgroup.remove();
  }
}

/** Runs a command under GNU time: wall seconds and peak RSS. */
async function timed(command: string, args: string[], cwd: string, launch: Launch): Promise<{ seconds: number; peakMemoryMb: number }> {
  const [program, ...line] = launch(['/usr/bin/time', '-f', 'BENCH %e %M', command, ...args]);
  const { stderr } = await run(program, line, { cwd, maxBuffer: 16 * MB });
  const [, seconds, kilobytes] = /BENCH ([\d.]+) (\d+)/.exec(stderr)!;
  return { seconds: Number(seconds), peakMemoryMb: Number(kilobytes) / 1024 };
}

async function writeRandomFile(file: string, bytes: number) {
  const stream = fs.createWriteStream(file);
  for (let written = 0; written < bytes; written += MB) {
    if (!stream.write(randomBytes(Math.min(MB, bytes - written)))) {
      await new Promise(resolve => stream.once('drain', resolve));
    }
  }
  await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => error ? reject(error) : resolve()));
}

/**
 * Where every variant extracts and zips: tmpfs where there is one. What a file create costs varies
 * with the disk and with what was deleted before; on this project's ext4 disk without a journal,
 * the inode allocator scans recently deleted inodes, and after a few copies of the source tree a
 * create took 0.6 to 0.75 ms of kernel CPU instead of 0.02 ms. Every variant creates the same
 * files, so that cost only buries what they differ in.
 */
function scratchFileSystem(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

const fromHandler = (measured: Measurement) => ({ seconds: measured.seconds, peakMemoryMb: measured.growth / MB });

/**
 * Info-ZIP on the same files: unzip to a directory, zip the directory, and remove the directory
 * (the handlers remove theirs too); the peak is the largest of the three.
 */
async function infoZipCopy(zipPath: string, work: string, launch: Launch) {
  const target = fs.mkdtempSync(path.join(work, 'unzip-'));
  try {
    const steps = [
      await timed('unzip', ['-q', zipPath, '-d', target], work, launch),
      await timed('zip', ['-q', '-r', '-X', path.join(work, 'rezipped.zip'), '.'], target, launch),
      await timed('rm', ['-rf', target], work, launch),
    ];
    return { seconds: steps.reduce((sum, step) => sum + step.seconds, 0), peakMemoryMb: Math.max(...steps.map(step => step.peakMemoryMb)) };
  } finally {
    fs.rmSync(target, { recursive: true, force: true });
    fs.rmSync(path.join(work, 'rezipped.zip'), { force: true });
  }
}

async function measureWorkload(
  name: string, filesDirectory: string, readFiles: string[], work: string, repeats: number, memoryMb: number,
): Promise<Workload> {
  const zipPath = path.join(work, `${name.replace(/\W+/g, '-')}.zip`);
  await run('zip', ['-q', '-r', '-X', zipPath, '.'], { cwd: filesDirectory, maxBuffer: 64 * MB });
  const { stdout } = await run('du', ['-sb', filesDirectory]);
  const { stdout: count } = await run('sh', ['-c', 'find . -type f | wc -l'], { cwd: filesDirectory });
  const s3 = await LoopbackS3.start(['artifacts']);
  const codePipeline = await LoopbackCodePipeline.start();
  const handler = (file: string) => path.join(ROOT, 'bench', 'fixtures', file);
  const copy = (handlerEntry?: string) => async (launch: Launch) =>
    fromHandler(await measureArtifactCopy(zipPath, s3, codePipeline, handlerEntry, { memoryMb, launch, temporaryDirectory: work }));
  const read = (handlerEntry: string) => async (launch: Launch) => fromHandler(await measureArtifactCopy(zipPath, s3, codePipeline, handlerEntry, {
    memoryMb, launch, temporaryDirectory: work, withOutput: false, userParameters: JSON.stringify({ files: readFiles }),
  }));
  const variants: Variant[] = [
    { what: 'runtime: extractTo + write(dir)', measure: copy() },
    { what: 'SDK + adm-zip: extractAllTo + addLocalFolder', measure: copy(handler('adm-zip-disk-copy-handler.ts')) },
    { what: 'SDK + Info-ZIP: unzip + zip', measure: copy(handler('info-zip-copy-handler.ts')) },
    { what: 'Info-ZIP: unzip + zip + rm (no S3)', measure: launch => infoZipCopy(zipPath, work, launch) },
    { what: 'runtime: entries() + readText of 3 files', measure: read(handler('runtime-read-handler.ts')) },
    { what: 'SDK + adm-zip: getEntries + readAsText of 3 files', measure: read(handler('adm-zip-read-handler.ts')) },
  ];
  try {
    const samples = variants.map(() => ({ seconds: [] as number[], peakMemoryMb: [] as number[] }));
    for (let i = 0; i < repeats; i++) {
      // Alternated, so drift in the machine's speed reaches every variant alike.
      const order = variants.map((_, index) => index);
      for (const index of i % 2 === 0 ? order : order.reverse()) {
        const measured = await asFunction(memoryMb, variants[index].measure);
        samples[index].seconds.push(measured.seconds);
        samples[index].peakMemoryMb.push(measured.peakMemoryMb);
      }
    }
    return {
      name,
      memoryMb,
      files: Number(count.trim()),
      megabytes: Number(stdout.split('\t')[0]) / MB,
      zippedMegabytes: fs.statSync(zipPath).size / MB,
      rows: variants.map((variant, index) => ({
        what: variant.what,
        seconds: median(samples[index].seconds),
        peakMemoryMb: median(samples[index].peakMemoryMb),
      })),
    };
  } finally {
    await s3.stop();
    await codePipeline.stop();
    fs.rmSync(zipPath, { force: true });
  }
}

function print(workload: Workload, repeats: number) {
  const [runtime, admZip, sdkInfoZip, infoZip, runtimeRead, admZipRead] = workload.rows;
  console.log(`\n${workload.name}: ${workload.files} files, ${workload.megabytes.toFixed(0)} MB, ${workload.zippedMegabytes.toFixed(0)} MB zipped, `
    + `run as a ${workload.memoryMb} MB function${cgroupsAvailable() ? '' : ' (its flags only: no cgroups here)'} (median of ${repeats}):\n`);
  console.log('| what | seconds | peak memory (MB) |');
  console.log('|---|---:|---:|');
  workload.rows.forEach(row => console.log(`| ${row.what} | ${row.seconds.toFixed(2)} | ${row.peakMemoryMb.toFixed(0)} |`));
  console.log(`\ncopy: adm-zip / runtime time ${(admZip.seconds / runtime.seconds).toFixed(2)} (target >= 1.5), `
    + `SDK + Info-ZIP / runtime ${(sdkInfoZip.seconds / runtime.seconds).toFixed(2)} (target >= 1), `
    + `Info-ZIP without S3 / runtime ${(infoZip.seconds / runtime.seconds).toFixed(2)}, `
    + `runtime / adm-zip memory ${(runtime.peakMemoryMb / admZip.peakMemoryMb).toFixed(2)} (target <= 0.5)`);
  console.log(`read: adm-zip / runtime time ${(admZipRead.seconds / runtimeRead.seconds).toFixed(2)} (target >= 1.5), `
    + `runtime / adm-zip memory ${(runtimeRead.peakMemoryMb / admZipRead.peakMemoryMb).toFixed(2)} (target <= 0.5)`);
}

/**
 * The copy (extract to disk, zip the directory) and the read-only step on two artifacts: the files
 * of the aws-cdk-lib package installed here (a source tree of thousands of small files) and
 * `incompressibleMb` of random data.
 */
export async function artifactThroughput(incompressibleMb: number): Promise<Workload[]> {
  const repeats = Number(process.env.BENCH_ARTIFACT_REPEATS ?? 3);
  const work = fs.mkdtempSync(path.join(scratchFileSystem(), 'bench-artifact-'));
  try {
    const random = path.join(work, 'random');
    fs.mkdirSync(path.join(random, 'nested'), { recursive: true });
    await writeRandomFile(path.join(random, 'nested', 'data.bin'), incompressibleMb * MB);
    fs.writeFileSync(path.join(random, 'manifest.json'), JSON.stringify({ megabytes: incompressibleMb }));
    const workloads: Workload[] = [];
    for (const memoryMb of FUNCTION_SIZES_MB) {
      const sourceTree = await measureWorkload('Source tree (the aws-cdk-lib package\'s files)', path.join(ROOT, 'node_modules', 'aws-cdk-lib'),
        ['package.json', 'README.md', 'aws-lambda/lib/function.js'], work, repeats, memoryMb);
      print(sourceTree, repeats);
      const incompressible = await measureWorkload(`Incompressible data (${incompressibleMb} MB)`, random,
        ['manifest.json', 'manifest.json', 'manifest.json'], work, repeats, memoryMb);
      print(incompressible, repeats);
      workloads.push(sourceTree, incompressible);
    }
    console.log('\nPeak memory: peak RSS growth during the invocation for the handlers; whole-process peak RSS for Info-ZIP.');
    return workloads;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
