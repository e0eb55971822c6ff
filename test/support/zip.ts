import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// Zips are made and read with Info-ZIP's zip/unzip, so the runtime's zip code is checked
// against an implementation that is not its own.

export function temporaryDirectory(prefix = 'runtime-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeFiles(directory: string, files: Record<string, string | Buffer>) {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(directory, name)), { recursive: true });
    fs.writeFileSync(path.join(directory, name), content);
  }
}

/** Zips every file under `directory` into `zipPath`, with entries for the directories only when asked. */
export function zipDirectory(directory: string, zipPath: string, directoryEntries = false): string {
  execFileSync('zip', ['-q', '-r', ...(directoryEntries ? [] : ['-D']), '-X', zipPath, '.'], { cwd: directory });
  return zipPath;
}

export function zipFiles(files: Record<string, string | Buffer>, directoryEntries = false): Buffer {
  const work = temporaryDirectory();
  try {
    writeFiles(path.join(work, 'files'), files);
    return fs.readFileSync(zipDirectory(path.join(work, 'files'), path.join(work, 'out.zip'), directoryEntries));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Every file of a zip, read back by unzip. */
export function unzipFiles(zip: Buffer): Record<string, Buffer> {
  const work = temporaryDirectory();
  try {
    fs.writeFileSync(path.join(work, 'in.zip'), zip);
    execFileSync('unzip', ['-q', path.join(work, 'in.zip'), '-d', path.join(work, 'out')]);
    return Object.fromEntries(listFiles(path.join(work, 'out')).map(name => [name, fs.readFileSync(path.join(work, 'out', name))]));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function listFiles(directory: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(directory, prefix), { withFileTypes: true }).flatMap(entry => {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(directory, name) : [name];
  }).sort();
}

/**
 * A zip holding an entry named `../escaped.txt`. zip itself refuses such names, so the
 * entry is written as `zz/escaped.txt` and renamed in place (same length) in both headers.
 */
export function zipSlipArchive(): Buffer {
  return renameEntry(zipFiles({ 'zz/escaped.txt': 'outside', 'inside.txt': 'inside' }), 'zz/escaped.txt', '../escaped.txt');
}

/** Renames an entry in place, in both its headers; `to` must be as long as `from`. */
export function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  const [source, target] = [Buffer.from(from), Buffer.from(to)];
  if (source.length !== target.length) {
    throw new Error(`renameEntry keeps lengths: '${from}' and '${to}' differ`);
  }
  const renamed = Buffer.from(zip);
  for (let offset = renamed.indexOf(source); offset !== -1; offset = renamed.indexOf(source, offset + 1)) {
    target.copy(renamed, offset);
  }
  return renamed;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;

/** Where a header's fields are, from its start: local headers and central ones differ. */
const HEADER_FIELDS = {
  [LOCAL_HEADER]: { name: 30, nameLength: 26, method: 8, crc32: 14, uncompressedSize: 22 },
  [CENTRAL_HEADER]: { name: 46, nameLength: 28, method: 10, crc32: 16, uncompressedSize: 24 },
} as const;

/** A copy of `zip` with `patch` applied to the entry's local and central header. */
function patchHeaders(zip: Buffer, name: string, patch: (patched: Buffer, at: (field: 'method' | 'crc32' | 'uncompressedSize') => number) => void): Buffer {
  const patched = Buffer.from(zip);
  let found = 0;
  for (let offset = 0; offset + 46 < patched.length; offset++) {
    const fields = HEADER_FIELDS[patched.readUInt32LE(offset) as keyof typeof HEADER_FIELDS];
    if (fields && patched.toString('utf8', offset + fields.name, offset + fields.name + patched.readUInt16LE(offset + fields.nameLength)) === name) {
      found++;
      patch(patched, field => offset + fields[field]);
    }
  }
  if (found !== 2) {
    throw new Error(`found ${found} headers for '${name}', expected a local and a central one`);
  }
  return patched;
}

/** Overwrites what the entry's local and central headers declare: its uncompressed size or its CRC-32. */
export function patchEntryHeaders(zip: Buffer, name: string, patch: { uncompressedSize?: number; crc32?: number }): Buffer {
  return patchHeaders(zip, name, (patched, at) => {
    if (patch.uncompressedSize !== undefined) {
      patched.writeUInt32LE(patch.uncompressedSize, at('uncompressedSize'));
    }
    if (patch.crc32 !== undefined) {
      patched.writeUInt32LE(patch.crc32, at('crc32'));
    }
  });
}

/** The zip with the entry's compression method, in both its headers, set to `method`. */
export function withMethod(zip: Buffer, name: string, method: number): Buffer {
  return patchHeaders(zip, name, (patched, at) => patched.writeUInt16LE(method, at('method')));
}

/** A zip (made by Info-ZIP) of one entry of `size` zero bytes, from a sparse file: a 1 GiB entry zips to about 1 MB. */
export function zerosZip(name: string, size: number): Buffer {
  const work = temporaryDirectory();
  try {
    fs.writeFileSync(path.join(work, name), '');
    fs.truncateSync(path.join(work, name), size);
    execFileSync('zip', ['-q', '-X', path.join(work, 'out.zip'), name], { cwd: work });
    return fs.readFileSync(path.join(work, 'out.zip'));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A zip of `files` made by Info-ZIP with `options`, without directory entries or extra fields. */
function infoZip(files: Record<string, string | Buffer>, options: string[]): Buffer {
  const work = temporaryDirectory();
  try {
    writeFiles(path.join(work, 'files'), files);
    execFileSync('zip', ['-q', '-r', '-D', '-X', ...options, path.join(work, 'out.zip'), '.'], { cwd: path.join(work, 'files') });
    return fs.readFileSync(path.join(work, 'out.zip'));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A zip of `files` with every entry stored uncompressed (zip -0), so a content byte can be changed in place. */
export const storedZip = (files: Record<string, string | Buffer>) => infoZip(files, ['-0']);

/** A zip of `files` encrypted with a password (zip -P: the traditional PKWARE encryption). */
export const encryptedZip = (files: Record<string, string | Buffer>) => infoZip(files, ['-P', 'password']);
