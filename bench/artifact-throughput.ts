import { execFile } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { LoopbackCodePipeline } from '../src/testing/endpoints/codepipeline';
import { measureArtifactCopy } from '../test/support/measure';
import { LoopbackS3 } from '../test/support/s3';
import { temporaryDirectory } from '../test/support/zip';

// Artifact throughput and peak memory of the runtime beside Info-ZIP's unzip and zip on the
// same files, and beside the copy step a user writes without it (the SDK and adm-zip), through
// the same S3 endpoint, measured side by side in one run.

const MB = 1024 * 1024;
const run = promisify(execFile);

export interface Row {
  readonly what: string;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly throughputMbPerSecond: number;
}

/** Runs a command under GNU time: wall seconds and peak RSS. */
async function timed(command: string, args: string[], cwd: string): Promise<{ seconds: number; peakRssMb: number }> {
  const { stderr } = await run('/usr/bin/time', ['-f', 'BENCH %e %M', command, ...args], { cwd, maxBuffer: 16 * MB });
  const [, seconds, kilobytes] = /BENCH ([\d.]+) (\d+)/.exec(stderr)!;
  return { seconds: Number(seconds), peakRssMb: Number(kilobytes) / 1024 };
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

/** Copies an artifact of `megabytes` through the runtime and through unzip + zip; prints and returns the table. */
export async function artifactThroughput(megabytes: number): Promise<{ megabytes: number; rows: Row[] }> {
  const work = temporaryDirectory('bench-artifact-');
  const s3 = await LoopbackS3.start(['artifacts']);
  const codePipeline = await LoopbackCodePipeline.start();
  try {
    const files = path.join(work, 'files');
    fs.mkdirSync(path.join(files, 'nested'), { recursive: true });
    await writeRandomFile(path.join(files, 'nested', 'data.bin'), megabytes * MB);
    fs.writeFileSync(path.join(files, 'manifest.json'), JSON.stringify({ megabytes }));
    const zipPath = path.join(work, 'artifact.zip');

    const zipCli = await timed('zip', ['-q', '-r', '-D', '-X', zipPath, '.'], files);
    fs.mkdirSync(path.join(work, 'unzipped'));
    const unzipCli = await timed('unzip', ['-q', zipPath, '-d', path.join(work, 'unzipped')], work);
    const runtime = await measureArtifactCopy(zipPath, s3, codePipeline);
    const admZip = await measureArtifactCopy(zipPath, s3, codePipeline, path.join(__dirname, '..', 'test', 'fixtures', 'adm-zip-copy-handler.ts'));

    const rows: Row[] = [
      { what: 'unzip (CLI): extract', ...unzipCli },
      { what: 'zip (CLI): compress', ...zipCli },
      { what: 'unzip + zip (CLI)', seconds: unzipCli.seconds + zipCli.seconds, peakRssMb: Math.max(unzipCli.peakRssMb, zipCli.peakRssMb) },
      { what: 'runtime: S3 get + extract + zip + S3 put', seconds: runtime.seconds, peakRssMb: runtime.growth / MB },
      { what: 'hand-written, SDK + adm-zip: S3 get + unzip + zip in memory + S3 put', seconds: admZip.seconds, peakRssMb: admZip.growth / MB },
    ].map(row => ({ ...row, throughputMbPerSecond: megabytes / row.seconds }));

    console.log(`\nArtifact of ${megabytes} MB (incompressible data), one run, this machine:\n`);
    console.log('| what | seconds | MB/s | peak memory (MB) |');
    console.log('|---|---:|---:|---:|');
    for (const row of rows) {
      console.log(`| ${row.what} | ${row.seconds.toFixed(2)} | ${row.throughputMbPerSecond.toFixed(1)} | ${row.peakRssMb.toFixed(1)} |`);
    }
    console.log(`\nruntime / (unzip + zip) time ratio: ${(runtime.seconds / rows[2].seconds).toFixed(2)}`);
    console.log(`runtime / adm-zip handler: time ratio ${(runtime.seconds / admZip.seconds).toFixed(2)}, peak memory ratio ${(runtime.growth / admZip.growth).toFixed(2)}`);
    console.log('Peak memory: whole-process peak RSS for the CLIs; peak RSS growth during the invocation for the handlers.');
    return { megabytes, rows };
  } finally {
    await s3.stop();
    await codePipeline.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
