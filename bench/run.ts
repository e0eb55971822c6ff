import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { buildSync } from 'esbuild';
import { artifactThroughput } from './artifact-throughput';
import { lambdaCost, lambdaMemory } from './lambda-memory';

// npm run bench: every figure is measured side by side with its comparison in this one run, on
// this machine, and printed as a table; all of them are written to .bench/results.json.
// BENCH_ARTIFACT_MB sets the incompressible artifact's size (default 200); BENCH_REPEATS the synth
// repeats (default 3), BENCH_ARTIFACT_REPEATS the artifact repeats (default 3); BENCH_ONLY=artifact,handler
// runs the sections named (synth, sharedBundle, snapshot, handler, artifact, memory, cost).

const ROOT = path.join(__dirname, '..');
const run = promisify(execFile);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

type SynthVariant = 'construct' | 'hand-written' | 'snapshot' | 'snapshot-without-bundling';

async function synthOnce(variant: SynthVariant, steps: number): Promise<{ milliseconds: number; bundlings: number }> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    const { stdout, stderr } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'synth-app.ts'), variant, String(steps)], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.dev.json'), BENCH_OUTDIR: outdir },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { milliseconds: JSON.parse(stdout.trim().split('\n').pop()!).milliseconds, bundlings: (stderr.match(/Bundling asset/g) ?? []).length };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

async function synthTimes(repeats: number) {
  const rows = [];
  for (const steps of [1, 10, 50]) {
    const times: Record<string, number[]> = { 'construct': [], 'hand-written': [] };
    for (let i = 0; i < repeats; i++) {
      // Alternated, so drift in the machine's speed reaches both alike.
      for (const variant of (i % 2 === 0 ? ['construct', 'hand-written'] : ['hand-written', 'construct']) as Array<'construct' | 'hand-written'>) {
        times[variant].push((await synthOnce(variant, steps)).milliseconds);
      }
    }
    rows.push({ steps, constructMs: median(times.construct), handWrittenMs: median(times['hand-written']), ratio: median(times.construct) / median(times['hand-written']) });
  }
  console.log(`\nSynth time, median of ${repeats} fresh processes each (target ratio <= 1.05):\n`);
  console.log('| steps | LambdaInvokeStep (ms) | NodejsFunction + Queue + LambdaInvokeAction (ms) | ratio |');
  console.log('|---:|---:|---:|---:|');
  rows.forEach(row => console.log(`| ${row.steps} | ${row.constructMs.toFixed(0)} | ${row.handWrittenMs.toFixed(0)} | ${row.ratio.toFixed(2)} |`));
  return rows;
}

async function snapshotTimes(repeats: number) {
  const times: Record<string, number[]> = { 'snapshot': [], 'snapshot-without-bundling': [] };
  for (let i = 0; i < repeats; i++) {
    for (const variant of (i % 2 === 0 ? ['snapshot', 'snapshot-without-bundling'] : ['snapshot-without-bundling', 'snapshot']) as SynthVariant[]) {
      times[variant].push((await synthOnce(variant, 10)).milliseconds);
    }
  }
  const row = { steps: 10, bundledMs: median(times.snapshot), withoutBundlingMs: median(times['snapshot-without-bundling']) };
  console.log(`\ntemplateForSnapshot of a 10-step pipeline (10 different entries), median of ${repeats} fresh processes each:\n`);
  console.log('| steps | with bundling (ms) | appWithoutBundling (ms) | ratio |');
  console.log('|---:|---:|---:|---:|');
  console.log(`| 10 | ${row.bundledMs.toFixed(0)} | ${row.withoutBundlingMs.toFixed(0)} | ${(row.withoutBundlingMs / row.bundledMs).toFixed(2)} |`);
  return row;
}

async function sharedBundle() {
  const { bundlings, milliseconds } = await synthOnce('construct', 10);
  console.log(`\n10 steps sharing one entry: ${bundlings} esbuild bundling run(s), synth ${milliseconds.toFixed(0)} ms`);
  return { steps: 10, bundlings, milliseconds };
}

async function handlerFootprint() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-'));
  try {
    const rows = [];
    for (const [name, entry] of [['runtime (pipelineJobHandler)', 'runtime-handler.ts'], ['hand-written (SDK directly)', 'sdk-handler.ts']]) {
      const outfile = path.join(out, entry.replace('.ts', '.js'));
      buildSync({ entryPoints: [path.join(__dirname, 'fixtures', entry)], bundle: true, minify: true, platform: 'node', target: 'node20', external: ['@aws-sdk/*'], outfile, logLevel: 'error' });
      const loads: number[] = [];
      for (let i = 0; i < 7; i++) {
        const { stdout } = await run(process.execPath, ['-e', `const t = process.hrtime.bigint(); require(${JSON.stringify(outfile)}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`], {
          env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), AWS_REGION: 'us-east-1' },
        });
        loads.push(Number(stdout));
      }
      rows.push({ handler: name, bundleBytes: fs.statSync(outfile).size, coldLoadMs: median(loads) });
    }
    console.log('\nMinimal handler, minified bundle (@aws-sdk external, as NodejsFunction does) and cold `require` in a fresh process (median of 7):\n');
    console.log('| handler | bundle (bytes) | cold load (ms) |');
    console.log('|---|---:|---:|');
    rows.forEach(row => console.log(`| ${row.handler} | ${row.bundleBytes} | ${row.coldLoadMs.toFixed(1)} |`));
    return rows;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** Every section of the benchmark; BENCH_ONLY=artifact,handler runs the ones named. */
const SECTIONS = {
  synth: () => synthTimes(Number(process.env.BENCH_REPEATS ?? 3)),
  sharedBundle,
  snapshot: () => snapshotTimes(Number(process.env.BENCH_REPEATS ?? 3)),
  handler: handlerFootprint,
  artifact: () => artifactThroughput(Number(process.env.BENCH_ARTIFACT_MB ?? 200)),
  memory: lambdaMemory,
  cost: lambdaCost,
};

async function main() {
  const only = process.env.BENCH_ONLY?.split(',');
  const results: Record<string, unknown> = { machine: machine() };
  for (const [name, section] of Object.entries(SECTIONS)) {
    if (!only || only.includes(name)) {
      results[name] = await section();
    }
  }
  const out = path.join(ROOT, '.bench');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, undefined, 2));
  console.log(`\nWritten: ${path.relative(process.cwd(), path.join(out, 'results.json'))}`);
}

const machine = () => `${os.availableParallelism()} cores, ${os.platform()} ${os.release()}, Node.js ${process.version}`;

main().catch(error => {
  console.error(error);
  process.exit(1);
});
