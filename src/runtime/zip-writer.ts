/* eslint-disable no-bitwise -- the zip format packs its version, attributes and DOS times into bit fields */
import * as fs from 'fs';
import * as path from 'path';
import { Transform, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { memoryBudget, relieveMemory } from './memory-budget';
import type { ArtifactFiles } from './types';
import { normalizeEntryPath } from './zip-reader';
import { CompressedEntry, DeflateSettings, MAIN_THREAD, WHOLE_ENTRY_BYTES, ZipThreads, compressEntry, deflatingPays, inBatches } from './zip-threads';

/** Entries written from memory get a fixed time, so the same files give the same zip. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

/**
 * How entries are deflated. Level 4 rather than zlib's default 6: on a source tree (the aws-cdk-lib
 * package, 104 MB in 7,140 files) it deflates in 0.97 s of CPU where level 6 takes 1.3 s, and the
 * zip is 2.2% larger. A function pays for its time, and the next action reads the artifact once. Files
 * larger than the sample deflate its first 4 KB first and are stored when that does not shrink to
 * 90%, so incompressible data is not deflated in vain.
 */
const DEFLATE: DeflateSettings = { level: 4, sampleBytes: 4 * 1024, worthDeflating: 0.9 };

/**
 * Zips `files` (path → content, or every file of a directory) into `zipPath`. Entries are in
 * path order, so the same files give the same zip. An entry that deflating would not shrink (by
 * a sample of its start, as zip tools judge it) is stored.
 *
 * The zip is written here rather than by a zip library: the one the runtime used (yazl) deflates
 * each entry with a zlib stream of its own on libuv's threads, which for thousands of small files
 * took more than twice as long as deflating them in one call each, and deflates nothing ahead.
 * Small files are read and deflated in one call each, on worker threads ahead of the writing; large
 * ones stream, and their sizes and CRC-32 are written into their local header once known (the
 * output is a file, not a pipe). ZIP64 records are written where sizes, offsets or the entry count
 * need them.
 */
export async function writeZip(files: ArtifactFiles | string, zipPath: string): Promise<void> {
  const zip = await ZipOutput.create(zipPath);
  try {
    if (typeof files === 'string') {
      await addDirectory(zip, listDirectory(files));
    } else {
      for (const [requested, content] of Object.entries(files)) {
        const buffer = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
        const entry = { name: checkOutputPath(requested), mtime: FIXED_MTIME, mode: 0o100644 };
        await zip.addCompressed([entry], [compressEntry(MAIN_THREAD, buffer, DEFLATE)]);
      }
    }
    await zip.finish();
  } finally {
    await zip.close();
  }
}

/**
 * Small files are read and compressed in batches, on as many threads as the function has cores,
 * a few batches ahead of the one being written; large files stream, in their place.
 */
async function addDirectory(zip: ZipOutput, listed: readonly ListedFile[]) {
  // A large file's size counts as more than a batch holds, so that it makes a batch of its own, which streams.
  const parts = inBatches(listed, file => file.stats.size > WHOLE_ENTRY_BYTES ? Infinity : file.stats.size);
  const streams = (part: readonly ListedFile[]) => part[0].stats.size > WHOLE_ENTRY_BYTES;
  const threads = ZipThreads.start(parts.filter(part => !streams(part)).length, memoryBudget().threads);
  try {
    const ahead = new Lookahead(parts.length, 2 * threads.size, index => streams(parts[index]) ? Promise.resolve(undefined)
      : threads.run({ kind: 'compress', paths: parts[index].map(file => file.absolutePath), deflate: DEFLATE }));
    for (const [index, part] of parts.entries()) {
      const compressed = await ahead.take(index);
      const entries = part.map(file => ({ name: file.name, mtime: file.stats.mtime, mode: file.stats.mode }));
      if (compressed) {
        await zip.addCompressed(entries, compressed);
        relieveMemory();
      } else {
        const [{ absolutePath, stats }] = part;
        await zip.addFile(entries[0], absolutePath, stats.size, deflatingPays(MAIN_THREAD, sampleOf(absolutePath), DEFLATE.worthDeflating));
      }
    }
  } finally {
    await threads.close();
  }
}

interface EntryMetadata {
  readonly name: string;
  readonly mtime: Date;
  /** The file's mode as `stat` gives it (type and permission bits). */
  readonly mode: number;
}

interface CentralRecord extends EntryMetadata {
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly offset: number;
}

const MAX_32 = 0xffffffff;
const MAX_16 = 0xffff;
const UTF8_NAMES = 0x0800;
const STORED = 0;
const DEFLATED = 8;
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
/** "Made by" Unix, so that readers take the mode from the external attributes. */
const MADE_BY_UNIX = 3 << 8;

/** A zip file being written: local headers and data as entries come, the central directory at the end. */
class ZipOutput {
  public static async create(zipPath: string): Promise<ZipOutput> {
    return new ZipOutput(await fs.promises.open(zipPath, 'w'));
  }

  private position = 0;
  private readonly records: CentralRecord[] = [];

  private constructor(private readonly handle: fs.promises.FileHandle) {}

  /** Entries already compressed, written in one go. */
  public async addCompressed(entries: readonly EntryMetadata[], compressed: readonly CompressedEntry[]): Promise<void> {
    const pieces: Uint8Array[] = [];
    let offset = this.position;
    const records = entries.map((entry, index) => {
      const { method, crc32, uncompressedSize, body } = compressed[index];
      const record = { ...entry, method, crc32, compressedSize: body.length, uncompressedSize, offset };
      const header = localHeader(record, needsZip64(record));
      pieces.push(header, body);
      offset += header.length + body.length;
      return record;
    });
    await this.write(Buffer.concat(pieces));
    this.records.push(...records);
  }

  /** Streams a large file; its CRC-32 and sizes go into its local header once the data is written. */
  public async addFile(entry: EntryMetadata, absolutePath: string, size: number, deflate: boolean): Promise<void> {
    // Sized for the largest the entry can become, so the header's room does not depend on the outcome.
    const zip64 = size >= MAX_32 - 1024 * 1024;
    const offset = this.position;
    const placeholder = { ...entry, method: deflate ? DEFLATED : STORED, crc32: 0, compressedSize: 0, uncompressedSize: 0, offset };
    const header = localHeader(placeholder, zip64);
    await this.write(header);
    let crc32 = 0;
    let uncompressedSize = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        crc32 = zlib.crc32(chunk, crc32);
        uncompressedSize += chunk.length;
        done(null, chunk);
      },
    });
    const output = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.write(chunk).then(() => done(), done);
      },
    });
    const compressedStart = this.position;
    await pipeline(fs.createReadStream(absolutePath), counted, ...(deflate ? [zlib.createDeflateRaw({ level: DEFLATE.level })] : []), output);
    const record = { ...placeholder, crc32, uncompressedSize, compressedSize: this.position - compressedStart };
    if (!zip64 && needsZip64(record)) {
      throw new Error(`${entry.name} grew past 4 GiB while it was zipped`);
    }
    await this.handle.write(localHeader(record, zip64), 0, header.length, offset);
    this.records.push(record);
  }

  /** The central directory, and the ZIP64 end records where its count, size or offset need them. */
  public async finish(): Promise<void> {
    const start = this.position;
    const central = Buffer.concat(this.records.map(centralHeader));
    await this.write(central);
    const zip64 = this.records.length >= MAX_16 || start >= MAX_32 || central.length >= MAX_32;
    if (zip64) {
      const record = Buffer.alloc(56);
      record.writeUInt32LE(0x06064b50, 0);
      record.writeBigUInt64LE(44n, 4);
      record.writeUInt16LE(MADE_BY_UNIX | VERSION_ZIP64, 12);
      record.writeUInt16LE(VERSION_ZIP64, 14);
      record.writeBigUInt64LE(BigInt(this.records.length), 24);
      record.writeBigUInt64LE(BigInt(this.records.length), 32);
      record.writeBigUInt64LE(BigInt(central.length), 40);
      record.writeBigUInt64LE(BigInt(start), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(BigInt(this.position), 8);
      locator.writeUInt32LE(1, 16);
      await this.write(Buffer.concat([record, locator]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(Math.min(this.records.length, MAX_16), 8);
    end.writeUInt16LE(Math.min(this.records.length, MAX_16), 10);
    end.writeUInt32LE(Math.min(central.length, MAX_32), 12);
    end.writeUInt32LE(Math.min(start, MAX_32), 16);
    await this.write(end);
  }

  public async close(): Promise<void> {
    await this.handle.close();
  }

  private async write(bytes: Buffer): Promise<void> {
    for (let written = 0; written < bytes.length;) {
      const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, this.position);
      written += bytesWritten;
      this.position += bytesWritten;
    }
  }

}

function needsZip64(record: CentralRecord): boolean {
  return record.compressedSize >= MAX_32 || record.uncompressedSize >= MAX_32 || record.offset >= MAX_32;
}

function localHeader(record: CentralRecord, zip64: boolean): Buffer {
  const name = Buffer.from(record.name, 'utf8');
  const extra = zip64 ? zip64Extra([record.uncompressedSize, record.compressedSize]) : Buffer.alloc(0);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
  header.writeUInt16LE(UTF8_NAMES, 6);
  header.writeUInt16LE(record.method, 8);
  writeDosTime(header, 10, record.mtime);
  header.writeUInt32LE(record.crc32, 14);
  header.writeUInt32LE(zip64 ? MAX_32 : record.compressedSize, 18);
  header.writeUInt32LE(zip64 ? MAX_32 : record.uncompressedSize, 22);
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, name, extra]);
}

function centralHeader(record: CentralRecord): Buffer {
  const name = Buffer.from(record.name, 'utf8');
  const large = [record.uncompressedSize, record.compressedSize, record.offset].filter(value => value >= MAX_32);
  const extra = large.length > 0 ? zip64Extra(large) : Buffer.alloc(0);
  const version = large.length > 0 ? VERSION_ZIP64 : VERSION_DEFAULT;
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(MADE_BY_UNIX | version, 4);
  header.writeUInt16LE(version, 6);
  header.writeUInt16LE(UTF8_NAMES, 8);
  header.writeUInt16LE(record.method, 10);
  writeDosTime(header, 12, record.mtime);
  header.writeUInt32LE(record.crc32, 16);
  header.writeUInt32LE(Math.min(record.compressedSize, MAX_32), 20);
  header.writeUInt32LE(Math.min(record.uncompressedSize, MAX_32), 24);
  header.writeUInt16LE(name.length, 28);
  header.writeUInt16LE(extra.length, 30);
  header.writeUInt32LE(((record.mode & 0xffff) << 16) >>> 0, 38);
  header.writeUInt32LE(Math.min(record.offset, MAX_32), 42);
  return Buffer.concat([header, name, extra]);
}

/** The ZIP64 extended information field: the 64-bit values whose 32-bit fields hold 0xFFFFFFFF, in the order the format gives. */
function zip64Extra(values: number[]): Buffer {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((value, index) => extra.writeBigUInt64LE(BigInt(value), 4 + 8 * index));
  return extra;
}

/** MS-DOS date and time, in UTC so that the same files give the same zip on any machine (two-second resolution). */
function writeDosTime(header: Buffer, at: number, date: Date) {
  const year = Math.max(date.getUTCFullYear(), 1980);
  header.writeUInt16LE((date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2), at);
  header.writeUInt16LE(((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(), at + 2);
}

/** Starts work for the items ahead of the one taken, at most `depth` at a time, and hands the results out in order. */
class Lookahead<T> {
  private readonly started = new Map<number, Promise<T>>();
  private next = 0;

  constructor(private readonly count: number, private readonly depth: number, private readonly start: (index: number) => Promise<T>) {}

  public take(index: number): Promise<T> {
    while (this.next < this.count && this.next < index + this.depth) {
      const working = this.start(this.next);
      // Observed when taken; one never taken (the zip stopped before it) must not be an unhandled rejection.
      working.catch(() => undefined);
      this.started.set(this.next, working);
      this.next++;
    }
    const taken = this.started.get(index)!;
    this.started.delete(index);
    return taken;
  }
}

/** The start of a file, which tells whether to deflate it. */
function sampleOf(absolutePath: string): Buffer {
  const handle = fs.openSync(absolutePath, 'r');
  try {
    const sample = Buffer.alloc(DEFLATE.sampleBytes);
    return sample.subarray(0, fs.readSync(handle, sample, 0, DEFLATE.sampleBytes, 0));
  } finally {
    fs.closeSync(handle);
  }
}


function checkOutputPath(requested: string): string {
  const name = normalizeEntryPath(requested);
  if (!name || name === '.' || /[/\\]$/.test(requested) || path.posix.isAbsolute(name) || name.split('/').includes('..')) {
    throw new Error(`file paths must be relative paths inside the artifact, got '${requested}'`);
  }
  return name;
}

interface ListedFile {
  /** The path inside the artifact. */
  readonly name: string;
  readonly absolutePath: string;
  readonly stats: fs.Stats;
}

/**
 * Every file under `directory`, sorted. Synchronously: the calls take microseconds each, and a
 * source tree's thousands of them cost several times as long as trips through libuv's threads.
 */
function listDirectory(directory: string): ListedFile[] {
  const root = path.resolve(directory);
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`the directory '${directory}' does not exist or is not a directory`);
  }
  const files: ListedFile[] = [];
  const walk = (relative: string) => {
    const children = fs.readdirSync(path.join(root, relative), { withFileTypes: true });
    for (const child of children.sort((a, b) => a.name.localeCompare(b.name))) {
      const name = relative ? `${relative}/${child.name}` : child.name;
      const absolutePath = path.join(root, name);
      if (child.isDirectory()) {
        walk(name);
      } else if (child.isFile()) {
        files.push({ name, absolutePath, stats: fs.statSync(absolutePath) });
      }
    }
  };
  walk('');
  return files;
}
