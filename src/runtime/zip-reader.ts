import * as fs from 'fs';
import * as path from 'path';
import { Readable, Transform, TransformCallback } from 'stream';
import * as zlib from 'zlib';
import * as yauzl from 'yauzl';
import type { EntryProblem, ExtractEntry } from './zip-threads';

/**
 * Where a zip's bytes come from: a file, or an object read in place (ranges of one S3 version).
 * `read` may return fewer bytes than asked only at the end.
 */
export interface ZipSource {
  readonly size: number;
  /** The zip file, for a source that is one. */
  readonly zipPath?: string;
  /** Bytes one read of a large range takes: a system call for a file, a request for an object. */
  readonly chunkBytes: number;
  read(start: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** The zip file at `zipPath` as a source. */
export async function fileSource(zipPath: string): Promise<ZipSource & { readonly zipPath: string }> {
  const handle = await fs.promises.open(zipPath, 'r');
  const { size } = await handle.stat();
  return {
    zipPath,
    size,
    chunkBytes: 256 * 1024,
    read: async (start, length) => {
      const bytes = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(bytes, 0, length, start);
      return bytes.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}

/** A zip's central directory, read once; its entries are then opened as often as needed. */
export class ZipArchive {
  /** Opens the zip file at `zipPath` and reads every entry header. */
  public static async open(zipPath: string): Promise<ZipArchive> {
    return ZipArchive.from(await fileSource(zipPath));
  }

  /** Reads every entry header from `source`. Refuses duplicate names and names that escape the archive. */
  public static async from(source: ZipSource): Promise<ZipArchive> {
    const reader = new BlockReader(source);
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
      // validateEntrySizes (the default, stated because the checks below rely on it): an entry that
      // inflates to more or fewer bytes than its header declares fails its stream.
      const options = { lazyEntries: true, autoClose: false, validateEntrySizes: true };
      yauzl.fromRandomAccessReader(reader, source.size, options, (error, opened) => error ? reject(error) : resolve(opened));
    }).catch(async error => {
      await source.close();
      throw error;
    });
    try {
      const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
        const read: yauzl.Entry[] = [];
        zip.on('entry', (entry: yauzl.Entry) => {
          read.push(entry);
          zip.readEntry();
        });
        zip.on('end', () => resolve(read));
        zip.on('error', reject);
        zip.readEntry();
      });
      return new ZipArchive(reader, zip, entries, indexByPath(entries));
    } catch (error) {
      zip.close();
      throw error;
    }
  }

  private constructor(
    private readonly reader: BlockReader,
    private readonly zip: yauzl.ZipFile,
    public readonly entries: readonly yauzl.Entry[],
    private readonly byPath: ReadonlyMap<string, yauzl.Entry>,
  ) {}

  /** The zip file on disk, for readers of their own; undefined while the zip is read in place. */
  public get zipPath(): string | undefined {
    return this.reader.source.zipPath;
  }

  /** Reads on from `copy`, a file holding the same bytes (the same version), instead of the source read so far. */
  public async continueFrom(copy: ZipSource & { readonly zipPath: string }): Promise<void> {
    await this.reader.replaceSource(copy);
  }

  /** The entry at `entryPath` (forward slashes, `./` and `a/../` resolved), if the zip has one. */
  public find(wanted: string): yauzl.Entry | undefined {
    return this.byPath.get(normalizeEntryPath(wanted));
  }

  /**
   * The entry's content, inflated. The stream fails when the entry inflates to more or fewer
   * bytes than its header declares (stopping at the first byte too many), or when its CRC-32
   * differs from the one the zip records.
   */
  public async openEntry(entry: yauzl.Entry): Promise<Readable> {
    assertReadable(entry);
    const stream = await new Promise<Readable>((resolve, reject) => {
      this.zip.openReadStream(entry, (error, opened) => error ? reject(error) : resolve(opened));
    });
    const checked = new Crc32Check(entry.crc32);
    stream.on('error', error => checked.destroy(error));
    return stream.pipe(checked);
  }

  /**
   * Where the entry lies, for a reader of its own (an extraction batch), with what that reader must
   * check: the local header's signature, and the sizes and CRC-32, as `openEntry` checks them.
   */
  public locate(entry: yauzl.Entry, target: string): ExtractEntry {
    assertReadable(entry);
    return {
      target,
      localHeaderOffset: entry.relativeOffsetOfLocalHeader,
      compressedSize: entry.compressedSize,
      uncompressedSize: entry.uncompressedSize,
      deflated: entry.compressionMethod === DEFLATED,
      crc32: entry.crc32,
      mode: permissionsOf(entry),
    };
  }

  public close(): void {
    this.zip.close();
  }
}

const STORED = 0;
const DEFLATED = 8;

/**
 * The permission bits a zip made on Unix records for the entry (Info-ZIP's zip and the runtime's
 * writer record them), so that an executable stays executable; never setuid, setgid or sticky.
 */
export function permissionsOf(entry: yauzl.Entry): number | undefined {
  // The high byte of "version made by" names the system (3: Unix); the high half of the external
  // attributes holds st_mode there. In arithmetic: the attributes are unsigned.
  const madeOnUnix = Math.floor(entry.versionMadeBy / 0x100) === 3;
  const permissions = Math.floor(entry.externalFileAttributes / 0x10000) % 0o1000;
  return madeOnUnix && permissions !== 0 ? permissions : undefined;
}

/** What the runtime reads: entries stored or deflated, unencrypted. */
function assertReadable(entry: yauzl.Entry) {
  if (entry.isEncrypted()) {
    throw new Error('it is encrypted, and the runtime reads only unencrypted entries');
  }
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    throw new Error(`its compression method is ${entry.compressionMethod}; the runtime reads 0 (stored) and 8 (deflated)`);
  }
}

/**
 * The zip as yauzl reads it, in blocks: yauzl reads the central directory one header at a time
 * and each entry's local header and data apart, which for thousands of small entries costs a
 * system call (or a request) each. Reads are served from the few blocks last read (entries are
 * read mostly in the order stored); data larger than a block streams from the source in chunks.
 */
class BlockReader extends yauzl.RandomAccessReader {
  private static readonly BLOCK_BYTES = 1024 * 1024;
  private static readonly BLOCKS_KEPT = 4;
  /** Block index → its bytes, least recently used first. */
  private readonly blocks = new Map<number, Promise<Buffer>>();

  constructor(private current: ZipSource) {
    super();
  }

  /** Where the bytes come from now. */
  public get source(): ZipSource {
    return this.current;
  }

  public read(buffer: Buffer, offset: number, length: number, position: number, callback: (error: Error | null) => void): void {
    this.copy(buffer, offset, length, position).then(() => callback(null), callback);
  }

  public _readStreamForRange(start: number, end: number): Readable {
    const reader = this;
    if (end - start > BlockReader.BLOCK_BYTES) {
      // Reads of its own: an fs read stream closes the file it reads when destroyed.
      let position = start;
      return new Readable({
        read() {
          const length = Math.min(reader.source.chunkBytes, end - position);
          reader.source.read(position, length).then(bytes => {
            position += bytes.length;
            this.push(bytes.length > 0 ? bytes : null);
            if (position >= end) {
              this.push(null);
            }
          }, error => this.destroy(error));
        },
      });
    }
    return new Readable({
      read() {
        const bytes = Buffer.allocUnsafe(end - start);
        reader.copy(bytes, 0, bytes.length, start).then(() => {
          this.push(bytes);
          this.push(null);
        }, error => this.destroy(error));
      },
    });
  }

  /** Reads on from `source` (the same bytes), once the reads under way are done; the blocks kept stay valid. */
  public async replaceSource(source: ZipSource): Promise<void> {
    await Promise.allSettled(this.blocks.values());
    const previous = this.current;
    this.current = source;
    await previous.close();
  }

  public close(callback: (error: Error | null) => void): void {
    this.blocks.clear();
    this.source.close().then(() => callback(null), callback);
  }

  private async copy(target: Buffer, offset: number, length: number, position: number): Promise<void> {
    for (let copied = 0; copied < length;) {
      const at = position + copied;
      const index = Math.floor(at / BlockReader.BLOCK_BYTES);
      const block = await this.block(index);
      const from = at - index * BlockReader.BLOCK_BYTES;
      const count = Math.min(length - copied, block.length - from);
      if (count <= 0) {
        throw new Error(`the zip file ends at ${this.source.size} bytes, before byte ${at}`);
      }
      block.copy(target, offset + copied, from, from + count);
      copied += count;
    }
  }

  private block(index: number): Promise<Buffer> {
    let block = this.blocks.get(index);
    if (block) {
      this.blocks.delete(index);
    } else {
      const start = index * BlockReader.BLOCK_BYTES;
      block = this.source.read(start, Math.max(0, Math.min(BlockReader.BLOCK_BYTES, this.source.size - start)));
      // A failed read is not kept: the next one tries again.
      block.catch(() => this.blocks.delete(index));
    }
    this.blocks.set(index, block);
    if (this.blocks.size > BlockReader.BLOCKS_KEPT) {
      this.blocks.delete(this.blocks.keys().next().value!);
    }
    return block;
  }
}

/** The entries by path; a path held more than once refuses the zip. */
function indexByPath(entries: readonly yauzl.Entry[]): Map<string, yauzl.Entry> {
  const byPath = new Map<string, yauzl.Entry>();
  const copies = new Map<string, number>();
  for (const entry of entries) {
    const key = entryPath(entry);
    byPath.set(key, entry);
    copies.set(key, (copies.get(key) ?? 0) + 1);
  }
  const duplicates = [...copies].filter(([, count]) => count > 1);
  if (duplicates.length > 0) {
    // Readers disagree on which copy wins (the first for a lookup, the last for an extraction): no copy can be trusted.
    throw new Error(`it holds ${duplicates.length === 1 ? 'an entry name' : 'entry names'} more than once: `
      + duplicates.slice(0, 10).map(([name, count]) => `'${name}' (${count} copies)`).join(', ')
      + (duplicates.length > 10 ? `, ... (${duplicates.length} in all)` : ''));
  }
  return byPath;
}

/** An entry's path without the trailing slash that marks a directory. */
export function entryPath(entry: yauzl.Entry): string {
  return normalizeEntryPath(isDirectoryEntry(entry) ? entry.fileName.slice(0, -1) : entry.fileName);
}

/** Zip marks a directory by a trailing slash on its name. */
export function isDirectoryEntry(entry: yauzl.Entry): boolean {
  return entry.fileName.endsWith('/');
}

export function normalizeEntryPath(entry: string): string {
  return path.posix.normalize(entry.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/\/$/, '');
}

/** What went wrong with an entry's data, in words, from what a reader of its own found. */
export function describeFoundProblem(problem: EntryProblem, entry: { readonly uncompressedSize: number; readonly crc32: number }): string {
  switch (problem.kind) {
    case 'too-many': return inflatesPast(entry.uncompressedSize);
    case 'too-few': return inflatesShort(problem.actual, entry.uncompressedSize);
    case 'crc': return crcMismatch(entry.crc32, problem.actual);
    case 'error': return describeEntryProblem(Object.assign(new Error(problem.message), { code: problem.code }));
  }
}

const inflatesPast = (declared: number) => `it inflates past the ${declared} bytes its header declares; reading stopped there`;
const inflatesShort = (actual: number, declared: number) => `it inflates to ${actual} bytes, fewer than the ${declared} its header declares`;
const crcMismatch = (expected: number, actual: number) =>
  `its content does not match its CRC-32 (the zip records ${hex(expected)}, the content has ${hex(actual)}): the entry is damaged or was changed`;

/** What went wrong with an entry's data, in words, from the zip library's or zlib's error. */
export function describeEntryProblem(error: Error): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const tooMany = /^too many bytes in the stream\. expected (\d+)/.exec(message);
  if (tooMany) {
    return inflatesPast(Number(tooMany[1]));
  }
  const tooFew = /^not enough bytes in the stream\. expected (\d+)\. got only (\d+)/.exec(message);
  if (tooFew) {
    return inflatesShort(Number(tooFew[2]), Number(tooFew[1]));
  }
  if (code?.startsWith('Z_')) {
    return `its compressed data is corrupt (zlib ${code}: ${message})`;
  }
  return message;
}

/** Passes bytes through and fails at the end when their CRC-32 is not the one the zip records. */
class Crc32Check extends Transform {
  private crc = 0;

  constructor(private readonly expected: number) {
    super();
  }

  public _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc = zlib.crc32(chunk, this.crc);
    callback(null, chunk);
  }

  public _flush(callback: TransformCallback): void {
    callback(this.crc === this.expected ? null : new Error(crcMismatch(this.expected, this.crc)));
  }
}

const hex = (value: number) => `0x${value.toString(16).padStart(8, '0')}`;
