import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import * as zlib from 'zlib';
import { buildSync } from 'esbuild';
import { ZipArchive } from '../../src/runtime/zip-reader';
import * as threads from '../../src/runtime/zip-threads';
import { patchEntryHeaders, temporaryDirectory, zipFiles } from '../support/zip';

// The threads that extract and compress small entries. Their workers start from the source text of
// the task functions (the runtime is bundled into the function's file), so these tests run that
// text where nothing of its module is in scope, and from a bundle built with options that rewrite
// functions (minified names, names kept by a helper of the bundle's).
let work: string;

beforeEach(() => {
  work = temporaryDirectory('zip-threads-');
});

afterEach(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

const compressible = (index: number) => `line ${index} of a file that compresses\n`.repeat(50 + index);

/** Source files on disk, and a compress task for them. */
function compressTask(count: number): threads.CompressTask {
  const paths = Array.from({ length: count }, (_, index) => {
    const file = path.join(work, 'source', `file-${index}.txt`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, index % 5 === 4 ? randomBytes(5000) : compressible(index));
    return file;
  });
  return { kind: 'compress', paths, deflate: { level: 4, sampleBytes: 4096, worthDeflating: 0.9 } };
}

/** An extract task for every entry of `zip`, written under work/out. */
async function extractTask(zip: Buffer): Promise<threads.ExtractTask> {
  const zipPath = path.join(work, `input-${Math.random().toString(36).slice(2)}.zip`);
  fs.writeFileSync(zipPath, zip);
  const archive = await ZipArchive.open(zipPath);
  try {
    fs.mkdirSync(path.join(work, 'out'), { recursive: true });
    const entries = archive.entries.map(entry => archive.locate(entry, path.join(work, 'out', entry.fileName)));
    return { kind: 'extract', zipPath, entries };
  } finally {
    archive.close();
  }
}

const files = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`file-${index}.txt`, compressible(index)]));
const written = () => fs.readdirSync(path.join(work, 'out')).sort();

test('the worker program runs where only require and Buffer are in scope: its functions use nothing else of their module', async () => {
  const answers: unknown[] = [];
  let onMessage: (task: threads.ZipTask) => void = () => undefined;
  const parentPort = {
    on: (_event: string, listener: typeof onMessage) => onMessage = listener,
    postMessage: (answer: unknown) => answers.push(answer),
  };
  const modules: Record<string, unknown> = { fs, zlib, worker_threads: { parentPort } };
  vm.runInNewContext(threads.workerSource(), { require: (id: string) => modules[id], Buffer });

  const compress = compressTask(5);
  onMessage(compress);
  expect(answers.pop()).toEqual({ result: threads.compressFiles(threads.MAIN_THREAD, compress) });

  const extract = await extractTask(zipFiles(files(3)));
  onMessage(extract);
  expect(answers.pop()).toEqual({ result: {} });
  expect(written()).toEqual(['file-0.txt', 'file-1.txt', 'file-2.txt']);
  expect(fs.readFileSync(path.join(work, 'out', 'file-2.txt'), 'utf8')).toBe(compressible(2));

  onMessage({ ...compress, paths: [path.join(work, 'missing.txt')] });
  expect(answers.pop()).toEqual({ error: { code: 'ENOENT', message: expect.stringContaining('missing.txt') } });
});

describe('bundled by esbuild with minified identifiers and kept names, as a user\'s NodejsFunction may be', () => {
  let bundled: typeof threads;

  beforeAll(() => {
    const outdir = temporaryDirectory('zip-threads-bundle-');
    const entry = path.join(__dirname, '..', '..', 'src', 'runtime', 'zip-threads.ts');
    const [output] = buildSync({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', minify: true, keepNames: true, write: false, outdir }).outputFiles;
    // The options took effect: the functions were renamed, and their names are kept by a helper call.
    expect(output.text).not.toContain('function extractEntries(');
    expect(output.text).toContain('"extractEntries")');
    fs.writeFileSync(path.join(outdir, 'zip-threads.js'), output.text);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle just built
    bundled = require(path.join(outdir, 'zip-threads.js'));
  });

  /** The task's answer from a worker: the first task of a pool goes to one. */
  async function onWorker(task: threads.ExtractTask): Promise<threads.ExtractResult> {
    const pool = bundled.ZipThreads.start(2, 2);
    try {
      return await pool.run(task);
    } finally {
      await pool.close();
    }
  }

  const emptyOut = () => {
    fs.rmSync(path.join(work, 'out'), { recursive: true, force: true });
    fs.mkdirSync(path.join(work, 'out'));
  };

  test('worker threads compress files as the main thread does, answering each task in order', async () => {
    const pool = bundled.ZipThreads.start(8, 3);
    try {
      expect(pool.size).toBe(3);
      const all = compressTask(40);
      const tasks = Array.from({ length: 8 }, (_, index) => ({ ...all, paths: all.paths.slice(index * 5, index * 5 + 5) }));
      const answers = await Promise.all(tasks.map(task => pool.run(task)));
      answers.forEach((answer, index) => {
        expect(answer.map(entry => ({ ...entry, body: Buffer.from(entry.body) })))
          .toEqual(threads.compressFiles(threads.MAIN_THREAD, tasks[index]).map(entry => ({ ...entry, body: Buffer.from(entry.body) })));
      });
      expect(answers.flat().map(entry => entry.method)).toEqual(expect.arrayContaining([0, 8]));
    } finally {
      await pool.close();
    }
  });

  test('worker threads extract entries, verified, as the main thread does', async () => {
    const task = await extractTask(zipFiles(files(30)));
    const pool = bundled.ZipThreads.start(3, 3);
    try {
      const halves = [task.entries.slice(0, 15), task.entries.slice(15)];
      expect(await Promise.all(halves.map(entries => pool.run({ ...task, entries })))).toEqual([{}, {}]);
    } finally {
      await pool.close();
    }
    expect(written()).toHaveLength(30);
    for (const [name, content] of Object.entries(files(30))) {
      expect(fs.readFileSync(path.join(work, 'out', name), 'utf8')).toBe(content);
    }
  });

  test.each([
    ['a CRC-32 that differs', { crc32: 0x12345678 }, { kind: 'crc', actual: zlib.crc32(compressible(1)) }],
    ['a declared size too small', { uncompressedSize: 10 }, { kind: 'too-many' }],
    ['a declared size too large', { uncompressedSize: compressible(1).length + 1 }, { kind: 'too-few', actual: compressible(1).length }],
  ])('an entry with %s fails on a worker as on the main thread: by its index, its file removed, none after it written', async (_case, patch, problem) => {
    const damaged = patchEntryHeaders(zipFiles(files(3)), 'file-1.txt', patch);
    const task = await extractTask(damaged);
    // Info-ZIP stores the files in the order the directory lists them.
    const index = task.entries.findIndex(entry => entry.target.endsWith('file-1.txt'));
    const before = task.entries.slice(0, index).map(entry => path.basename(entry.target)).sort();
    const onMainThread = threads.extractEntries(threads.MAIN_THREAD, task);
    expect(onMainThread).toEqual({ failure: { index, problem } });
    expect(written()).toEqual(before);

    emptyOut();
    expect(await onWorker(task)).toEqual(onMainThread);
    expect(written()).toEqual(before);
  });

  test('corrupt deflate data is a zlib error with its code', async () => {
    const zip = zipFiles({ 'log.txt': compressible(400) });
    const dataStart = 30 + 'log.txt'.length + zip.readUInt16LE(28);
    zip.fill(0xff, dataStart + 20, dataStart + 60);
    const task = await extractTask(zip);
    expect(await onWorker(task)).toEqual({ failure: { index: 0, problem: { kind: 'error', code: 'Z_DATA_ERROR', message: expect.any(String) } } });
    expect(written()).toEqual([]);
  });

  test('an entry whose local header is not one fails with the signature it found, in a worker and on the main thread', async () => {
    const zip = zipFiles({ 'a.txt': compressible(10), 'b.txt': compressible(20) });
    const task = await extractTask(zip);
    // The index (central directory) still points at b.txt's local header, which no longer says it is one.
    zip.writeUInt32LE(0x12345678, task.entries[1].localHeaderOffset);
    fs.writeFileSync(task.zipPath, zip);
    const failure = { failure: { index: 1, problem: { kind: 'error', message: 'invalid local file header signature: 0x12345678' } } };
    expect(threads.extractEntries(threads.MAIN_THREAD, task)).toEqual(failure);
    emptyOut();
    expect(await onWorker(task)).toEqual(failure);
    expect(written()).toEqual([path.basename(task.entries[0].target)]);
  });

  test('close fails every task not answered yet, on a worker or waiting for the main thread, and every task after it', async () => {
    const pool = bundled.ZipThreads.start(4, 2);
    const task = compressTask(40);
    const settled = Promise.allSettled([pool.run(task), pool.run(task), pool.run(task)]);
    await pool.close();
    for (const result of await settled) {
      expect(result).toEqual({ status: 'rejected', reason: new Error('the zip worker threads were closed') });
    }
    await expect(pool.run(task)).rejects.toThrow('the zip worker threads were closed');
  });
});

test('one task starts no worker: the main thread runs it', async () => {
  const pool = threads.ZipThreads.start(1, 6);
  try {
    expect(pool.size).toBe(1);
    const task = compressTask(3);
    expect(await pool.run(task)).toEqual(threads.compressFiles(threads.MAIN_THREAD, task));
  } finally {
    await pool.close();
  }
});

test('batches keep the order and hold at most 64 items and 1 MiB; an item larger than that is a batch of its own', () => {
  const KiB = 1024;
  const sizes = [...Array.from({ length: 130 }, () => 1), 600 * KiB, 600 * KiB, 5 * 1024 * KiB, 10];
  const batches = threads.inBatches(sizes.map((size, index) => ({ size, index })), item => item.size);
  expect(batches.flat().map(item => item.index)).toEqual(sizes.map((_, index) => index));
  expect(batches.map(batch => batch.length)).toEqual([64, 64, 3, 1, 1, 1]);
  expect(batches.every(batch => batch.length === 1 || batch.reduce((sum, item) => sum + item.size, 0) <= 1024 * KiB)).toBe(true);
  expect(threads.inBatches([], () => 1)).toEqual([]);
});
