import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readZip } from '../../src/runtime/artifacts';
import { writeZip } from '../../src/runtime/zip-writer';
import { temporaryDirectory, writeFiles } from '../support/zip';

// The zips are checked with Info-ZIP: `unzip -t` tests every entry's CRC-32, `unzip -Z` shows how each is stored.

let work: string;
beforeEach(() => {
  work = temporaryDirectory('zip-writer-');
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** Each entry's name and compression method (`stor`, or `def` and its level), as Info-ZIP's zipinfo lists them. */
function methods(zipPath: string): Record<string, string> {
  const listing = execFileSync('unzip', ['-Z', zipPath], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return Object.fromEntries(listing.split('\n').filter(line => /^[-d]r/.test(line)).map(line => {
    const columns = line.trim().split(/\s+/);
    return [columns.slice(8).join(' '), columns[5].startsWith('def') ? 'deflated' : columns[5]];
  }));
}

test('a directory of small and large files zips every byte intact, in path order, deflating what shrinks and storing what does not', async () => {
  const compressible = 'the same line again and again\n'.repeat(200_000);
  const incompressible = randomBytes(6 * 1024 * 1024);
  writeFiles(path.join(work, 'in'), {
    'b/large-text.txt': compressible,
    'b/large-random.bin': incompressible,
    'a/small.txt': 'small',
    'a/small-random.bin': randomBytes(100_000),
    'c/empty.txt': '',
  });
  const zipPath = path.join(work, 'out.zip');
  await writeZip(path.join(work, 'in'), zipPath);

  expect(execFileSync('unzip', ['-t', '-q', zipPath], { encoding: 'utf8' })).toMatch(/^No errors detected/);
  const files = await readZip(zipPath);
  expect(Object.keys(files)).toEqual(['a/small-random.bin', 'a/small.txt', 'b/large-random.bin', 'b/large-text.txt', 'c/empty.txt']);
  expect(files['b/large-text.txt'].toString()).toBe(compressible);
  expect(Buffer.compare(files['b/large-random.bin'], incompressible)).toBe(0);
  expect(methods(zipPath)).toEqual({
    'a/small-random.bin': 'stor',
    'a/small.txt': 'stor',
    'b/large-random.bin': 'stor',
    'b/large-text.txt': 'deflated',
    'c/empty.txt': 'stor',
  });
});

test('thousands of files pass through the read-ahead and come out intact and in order', async () => {
  const files = Object.fromEntries(Array.from({ length: 2_000 }, (_, index) => [
    `dir-${String(index % 13).padStart(2, '0')}/file-${String(index).padStart(4, '0')}.js`,
    `module.exports = ${index}; // ${'padding '.repeat(index % 50)}\n`,
  ]));
  writeFiles(path.join(work, 'in'), files);
  const zipPath = path.join(work, 'out.zip');
  await writeZip(path.join(work, 'in'), zipPath);

  const read = await readZip(zipPath);
  expect(Object.keys(read)).toEqual(Object.keys(files).sort());
  for (const [name, content] of Object.entries(files)) {
    expect(read[name].toString()).toBe(content);
  }
  expect(execFileSync('unzip', ['-t', '-q', zipPath], { encoding: 'utf8' })).toMatch(/^No errors detected/);
});

test('the same files give the same zip, byte for byte', async () => {
  writeFiles(path.join(work, 'in'), { 'x.txt': 'x'.repeat(10_000), 'y/z.bin': randomBytes(5000) });
  await writeZip(path.join(work, 'in'), path.join(work, 'one.zip'));
  await writeZip(path.join(work, 'in'), path.join(work, 'two.zip'));
  expect(Buffer.compare(fs.readFileSync(path.join(work, 'one.zip')), fs.readFileSync(path.join(work, 'two.zip')))).toBe(0);
});

test('an output that cannot be written fails the zip instead of leaving it waiting', async () => {
  writeFiles(path.join(work, 'in'), Object.fromEntries(Array.from({ length: 600 }, (_, index) => [`f${index}.txt`, 'data '.repeat(100)])));
  await expect(writeZip(path.join(work, 'in'), path.join(work, 'missing-directory', 'out.zip'))).rejects.toThrow(/ENOENT/);
});

describe('ZIP64, checked by Info-ZIP and by the runtime\'s own reader', () => {
  test('more than 65,535 entries get the ZIP64 end records', async () => {
    const files = Object.fromEntries(Array.from({ length: 70_000 }, (_, index) => [`e/${index}.txt`, String(index)]));
    const zipPath = path.join(work, 'many.zip');
    await writeZip(files, zipPath);
    expect(execFileSync('unzip', ['-t', '-q', zipPath], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).toMatch(/^No errors detected/);
    const read = await readZip(zipPath);
    expect(Object.keys(read)).toHaveLength(70_000);
    expect(read['e/69999.txt'].toString()).toBe('69999');
  });

  test('an entry over 4 GiB is streamed, with its sizes in ZIP64 fields', async () => {
    // A sparse file: 4 GiB and a bit of zeros that take no disk, deflated to a few MB.
    const size = 4 * 1024 ** 3 + 12_345;
    fs.mkdirSync(path.join(work, 'in'));
    const handle = fs.openSync(path.join(work, 'in', 'large.bin'), 'w');
    fs.ftruncateSync(handle, size);
    fs.closeSync(handle);
    fs.writeFileSync(path.join(work, 'in', 'small.txt'), 'after the large one');
    const zipPath = path.join(work, 'large.zip');
    await writeZip(path.join(work, 'in'), zipPath);
    expect(execFileSync('unzip', ['-t', '-q', zipPath], { encoding: 'utf8' })).toMatch(/^No errors detected/);
    const listing = execFileSync('unzip', ['-Z', '-l', zipPath], { encoding: 'utf8' });
    expect(listing).toMatch(new RegExp(`\\s${size}\\s.*large\\.bin`));
  }, 300_000);
});
