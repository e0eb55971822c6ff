import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { buffer } from 'stream/consumers';
import { pipeline } from 'stream/promises';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import type { S3Client } from '@aws-sdk/client-s3';
import type * as yauzl from 'yauzl';
import { ArtifactError, stoppedBySignal } from './errors';
import { memoryBudget, memoryForWholeEntry, relieveMemory } from './memory-budget';
import { ObjectVersion, Transfer, downloadToFile, inParallel, readRange, uploadFile } from './s3-transfer';
import type { ArtifactEntry, ArtifactFiles, ArtifactLocation, ReadOptions } from './types';
import { ZipArchive, ZipSource, describeEntryProblem, describeFoundProblem, entryPath, fileSource, isDirectoryEntry, permissionsOf } from './zip-reader';
import { ExtractResult, ExtractTask, WHOLE_ENTRY_BYTES, ZipThreads, inBatches } from './zip-threads';
import { writeZip } from './zip-writer';
import { LIMITS } from '../common/limits';

/** What artifacts need from the job they belong to. */
export interface ArtifactContext {
  readonly s3: () => Promise<S3Client>;
  readonly tempDirectory: string;
  readonly encryptionKeyId?: string;
  /** Aborted when the invocation ends or runs out of time: stops every transfer. */
  readonly signal: AbortSignal;
  /** Throws once the job's result has been reported. */
  readonly assertOpen: () => void;
}

/** The runtime's limits on artifacts (docs/runtime.md, "Limits and checks on what an artifact holds"). */
export const ARTIFACT_LIMITS = {
  /** The largest object S3 stores (uploaded in parts). */
  maxOutputArtifactBytes: LIMITS.objectBytes.max,
  /**
   * The largest entry `readBytes`/`readText` inflate into memory unless given `maxBytes`: a zip
   * of 1 MB can hold an entry of 1 GB, which would end a 128 MB function. `extractTo` streams to disk.
   */
  maxInMemoryEntryBytes: 64 * 1024 ** 2,
  /**
   * An input artifact this large or larger is read in place, by ranged GETs of its version, until
   * `extractTo` needs it on disk: a step that lists it and reads a few files does not download it.
   */
  readInPlaceFromBytes: 16 * 1024 ** 2,
} as const;

/** Bytes per ranged GET when an entry larger than a block is read in place. */
const IN_PLACE_CHUNK_BYTES = 8 * 1024 * 1024;

const temporaryZip = (context: ArtifactContext, kind: string) =>
  path.join(context.tempDirectory, `${kind}-${Math.random().toString(36).slice(2)}.zip`);

/** A transfer of the artifact's object with the job's client and signal; `action` ends where its S3 URL goes. */
async function transferOf(context: ArtifactContext, location: ArtifactLocation, action: string): Promise<Transfer> {
  return {
    s3: await context.s3(),
    bucket: location.bucketName,
    key: location.objectKey,
    signal: context.signal,
    action: `${action} s3://${location.bucketName}/${location.objectKey}`,
  };
}

/** An artifact the action reads: a zip file in the pipeline's artifact bucket, downloaded and indexed once per invocation. */
export class InputArtifact {
  private archive?: Promise<ZipArchive>;
  /** The version read in place, when the artifact is too large to download before its first read. */
  private readInPlace?: ObjectVersion;
  private downloading?: Promise<void>;

  constructor(private readonly location: ArtifactLocation, private readonly context: ArtifactContext) {}

  /** The artifact's name in the pipeline. */
  public get name(): string {
    return this.location.name;
  }

  /** The source revision the artifact was built from, when CodePipeline gives one. */
  public get revision(): string | undefined {
    return this.location.revision;
  }

  /** Every entry of the zip, in the order stored. */
  public async entries(): Promise<ArtifactEntry[]> {
    return (await this.open()).entries.map(describeEntry);
  }

  /**
   * One file's content, verified against its CRC-32. Holds the whole entry in memory, so an entry
   * larger than `maxBytes` is refused before it is inflated; `extractTo` streams entries to disk.
   */
  public async readBytes(filePath: string, options: ReadOptions = {}): Promise<Buffer> {
    const archive = await this.open();
    const entry = archive.find(filePath);
    if (!entry || isDirectoryEntry(entry)) {
      const names = archive.entries.filter(found => !isDirectoryEntry(found)).map(found => found.fileName).sort();
      const listed = names.slice(0, 20).join(', ') + (names.length > 20 ? `, ... (${names.length} in all)` : '');
      throw new ArtifactError(`Input artifact '${this.name}' has no file '${filePath}'; it holds: ${listed || 'no files'}`);
    }
    const limit = options.maxBytes ?? ARTIFACT_LIMITS.maxInMemoryEntryBytes;
    const declares = `Input artifact '${this.name}', entry '${entry.fileName}': its header declares ${entry.uncompressedSize} bytes uncompressed`;
    if (entry.uncompressedSize > limit) {
      throw new ArtifactError(`${declares}, over the ${limit}-byte limit for reading an entry into memory; extractTo() streams it to disk instead, or pass { maxBytes } to raise the limit`);
    }
    const { memoryMb, wholeEntryBytes } = memoryBudget();
    if (wholeEntryBytes !== undefined && entry.uncompressedSize > wholeEntryBytes) {
      throw new ArtifactError(`${declares}; reading it whole takes about twice that, more than a ${memoryMb} MB function holds beside the runtime `
        + `(${wholeEntryBytes} bytes at most): raise the function's memory size (functionProps.memorySize) to at least ${memoryForWholeEntry(entry.uncompressedSize)} MB, `
        + 'or extractTo() a directory, which streams it');
    }
    return this.readEntry(archive, entry, buffer);
  }

  /** One file's content as text. */
  public async readText(filePath: string, encoding: BufferEncoding = 'utf8', options: ReadOptions = {}): Promise<string> {
    return (await this.readBytes(filePath, options)).toString(encoding);
  }

  /**
   * Extracts every entry under `directory` (created if needed), verifying each one's size and
   * CRC-32; an entry that fails the check is removed and the extraction fails. An entry whose path
   * would land outside `directory` stops the extraction before anything is written, and so does
   * an artifact whose entries declare more bytes than the target's file system has free. Small
   * entries are inflated and written in batches, on as many threads as the function has cores; large
   * ones stream to disk, so memory stays flat whatever the artifact's size.
   *
   * @returns the paths written, relative to `directory`, in the zip's order
   */
  public async extractTo(directory: string): Promise<string[]> {
    const archive = await this.onDisk();
    const root = path.resolve(directory);
    await fs.promises.mkdir(root, { recursive: true });
    const files = archive.entries.filter(entry => !isDirectoryEntry(entry));
    await this.checkFreeSpace(root, files);
    // Before any file: one recursive mkdir per deepest directory, which makes its parents too.
    const directories = new Set(archive.entries.map(entry => path.dirname(path.resolve(root, entryPath(entry)) + (isDirectoryEntry(entry) ? '/.' : ''))));
    for (const target of [...directories].sort().filter((candidate, index, sorted) => !sorted[index + 1]?.startsWith(candidate + path.sep))) {
      // Synchronously: a few microseconds each, where a trip through libuv's threads costs more.
      fs.mkdirSync(target, { recursive: true });
    }
    // Large entries stream, a few at a time; the rest go in batches to threads, which inflate,
    // verify and write them synchronously.
    const large = files.filter(entry => entry.uncompressedSize > WHOLE_ENTRY_BYTES);
    const batches = inBatches(files.filter(entry => entry.uncompressedSize <= WHOLE_ENTRY_BYTES), entry => entry.uncompressedSize);
    const budget = memoryBudget();
    const threads = ZipThreads.start(batches.length, budget.threads);
    const unfinished: string[] = [];
    const stop = () => threads.close();
    this.context.signal.addEventListener('abort', stop);
    if (this.context.signal.aborted) {
      void stop();
    }
    try {
      const work: Array<() => Promise<void>> = [
        ...large.map(entry => () => this.streamEntryTo(archive, entry, path.resolve(root, entryPath(entry)))),
        ...batches.map(batch => () => this.extractBatch(archive, batch, root, threads, unfinished)),
      ];
      await inParallel(work, threads.size + budget.largeEntryStreams, async extract => extract());
    } finally {
      this.context.signal.removeEventListener('abort', stop);
      await threads.close();
      // A batch cut short (its worker ended) may have left a file half written: once no thread
      // writes, its files are removed.
      await Promise.all(unfinished.map(target => fs.promises.rm(target, { force: true })));
    }
    return files.map(entry => entry.fileName);
  }

  private async streamEntryTo(archive: ZipArchive, entry: yauzl.Entry, target: string): Promise<void> {
    const { signal } = this.context;
    const toFile = (stream: Readable) => pipeline(stream, fs.createWriteStream(target, { mode: permissionsOf(entry) }), { signal });
    await this.readEntry(archive, entry, toFile)
      .catch(async error => {
        await fs.promises.rm(target, { force: true });
        throw error;
      });
  }

  private async extractBatch(
    archive: ZipArchive & { readonly zipPath: string }, batch: readonly yauzl.Entry[], root: string, threads: ZipThreads, unfinished: string[],
  ): Promise<void> {
    const task: ExtractTask = {
      kind: 'extract',
      zipPath: archive.zipPath,
      entries: batch.map(entry => {
        try {
          return archive.locate(entry, path.resolve(root, entryPath(entry)));
        } catch (error) {
          throw this.entryError(entry, error);
        }
      }),
    };
    let result: ExtractResult;
    try {
      result = await threads.run(task);
    } catch (error) {
      unfinished.push(...task.entries.map(entry => entry.target));
      this.context.assertOpen();
      const stopped = this.context.signal.aborted ? stoppedBySignal(this.context.signal) : describeEntryProblem(error as Error);
      throw new ArtifactError(`Input artifact '${this.name}', extracting entries from '${batch[0].fileName}': ${stopped}`, 'JobFailed', { cause: error });
    }
    relieveMemory();
    if (result.failure) {
      const entry = batch[result.failure.index];
      throw new ArtifactError(`Input artifact '${this.name}', entry '${entry.fileName}': ${describeFoundProblem(result.failure.problem, entry)}`);
    }
  }

  /** Refuses an extraction whose declared sizes exceed the free space, before it fills the disk halfway. */
  private async checkFreeSpace(root: string, files: readonly yauzl.Entry[]) {
    const declared = files.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
    const { bavail, bsize } = await fs.promises.statfs(root);
    const free = bavail * bsize;
    if (declared > free) {
      throw new ArtifactError(`Input artifact '${this.name}' declares ${declared} bytes in ${files.length} files, more than the ${free} bytes free under ${root}: `
        + 'extract it to a larger file system (Lambda\'s ephemeralStorageSize gives /tmp up to 10 GB), or read only the entries the step needs');
    }
  }

  /** Closes the downloaded zip. The runtime calls it when the invocation ends. */
  public async close(): Promise<void> {
    const archive = await this.archive?.catch(() => undefined);
    archive?.close();
    this.archive = undefined;
  }

  private async readEntry<T>(archive: ZipArchive, entry: yauzl.Entry, consume: (stream: Readable) => Promise<T>): Promise<T> {
    try {
      return await consume(await archive.openEntry(entry));
    } catch (error) {
      throw this.entryError(entry, error);
    }
  }

  /** The error to throw for `entry`; the job's own once its result is reported. */
  private entryError(entry: yauzl.Entry, error: unknown): ArtifactError {
    this.context.assertOpen();
    if (error instanceof ArtifactError) {
      // S3's answer to a read in place: it names the artifact, and keeps its failure type.
      return error;
    }
    return new ArtifactError(`Input artifact '${this.name}', entry '${entry.fileName}': ${describeEntryProblem(error as Error)}`, 'JobFailed', { cause: error });
  }

  /** The zip, downloaded and indexed on first use. A failed attempt is forgotten, so a later read tries again. */
  private open(): Promise<ZipArchive> {
    this.context.assertOpen();
    if (!this.archive) {
      const opening = this.downloadAndIndex();
      this.archive = opening;
      opening.catch(() => {
        if (this.archive === opening) {
          this.archive = undefined;
        }
      });
    }
    return this.archive;
  }

  /** The transfer that reads this artifact's object. */
  private readTransfer(): Promise<Transfer> {
    return transferOf(this.context, this.location, `Could not read input artifact '${this.name}' from`);
  }

  private async downloadAndIndex(): Promise<ZipArchive> {
    const transfer = await this.readTransfer();
    const file = temporaryZip(this.context, 'input');
    let source: ZipSource;
    try {
      const version = await downloadToFile(transfer, file, { unlessAtLeast: ARTIFACT_LIMITS.readInPlaceFromBytes });
      if (version.written) {
        source = await fileSource(file);
      } else {
        await fs.promises.rm(file, { force: true });
        source = {
          size: version.size,
          chunkBytes: IN_PLACE_CHUNK_BYTES,
          read: (start, length) => readRange(transfer, version, start, start + length),
          close: async () => {},
        };
        this.readInPlace = version;
      }
      return await ZipArchive.from(source);
    } catch (error) {
      await fs.promises.rm(file, { force: true });
      if (error instanceof ArtifactError) {
        throw error;
      }
      const problem = (error as Error).message;
      throw new ArtifactError(/relative path|absolute path/.test(problem)
        ? `Input artifact '${this.name}' has an entry that escapes the target directory, refused: ${problem}`
        : `Input artifact '${this.name}' is not a readable zip file: ${problem}`, 'JobFailed', { cause: error });
    }
  }

  /** The zip, indexed, with its file on disk: an artifact read in place so far is downloaded now, the same version. */
  private async onDisk(): Promise<ZipArchive & { readonly zipPath: string }> {
    const archive = await this.open();
    if (!archive.zipPath) {
      const downloading = this.downloading ??= (async () => {
        const file = temporaryZip(this.context, 'input');
        await downloadToFile(await this.readTransfer(), file, { version: this.readInPlace });
        await archive.continueFrom(await fileSource(file));
      })();
      // A failed download is forgotten, so a later extraction tries again.
      await downloading.catch(error => {
        this.downloading = undefined;
        throw error;
      });
    }
    return archive as ZipArchive & { readonly zipPath: string };
  }
}

/** An artifact the action writes: the function zips files to the location CodePipeline gives. */
export class OutputArtifact {
  private writtenFlag = false;

  constructor(private readonly location: ArtifactLocation, private readonly context: ArtifactContext) {}

  /** The artifact's name in the pipeline. */
  public get name(): string {
    return this.location.name;
  }

  /** Whether `write` has completed for this artifact. */
  public get written(): boolean {
    return this.writtenFlag;
  }

  /**
   * Zips `files` (a map of path → content, or a directory whose files are all taken) and uploads
   * the zip to the artifact's location, encrypted with the job's KMS key when the job has one.
   * Throttling (503 SlowDown), server errors and dropped connections are retried with backoff.
   */
  public async write(files: ArtifactFiles | string): Promise<void> {
    this.context.assertOpen();
    const file = temporaryZip(this.context, 'output');
    try {
      // The writer's own errors (a path outside the artifact, a missing directory) name no artifact.
      await writeZip(files, file).catch(error => {
        throw error instanceof ArtifactError ? error
          : new ArtifactError(`Output artifact '${this.name}': ${(error as Error).message}`, 'JobFailed', { cause: error });
      });
      const size = (await fs.promises.stat(file)).size;
      if (size > ARTIFACT_LIMITS.maxOutputArtifactBytes) {
        throw new ArtifactError(`Output artifact '${this.name}' is ${size} bytes zipped, over the ${ARTIFACT_LIMITS.maxOutputArtifactBytes} bytes S3 stores in one object`);
      }
      await uploadFile(await transferOf(this.context, this.location, `Could not write output artifact '${this.name}' to`), file, size, {
        ContentType: 'application/zip',
        ...(this.context.encryptionKeyId && { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.context.encryptionKeyId }),
      });
    } finally {
      await fs.promises.rm(file, { force: true });
    }
    this.writtenFlag = true;
  }
}


/** Every file of the zip at `zipPath`, in memory and verified: for tests and small artifacts. */
export async function readZip(zipPath: string): Promise<Record<string, Buffer>> {
  const archive = await ZipArchive.open(zipPath);
  try {
    const files: Record<string, Buffer> = {};
    for (const entry of archive.entries.filter(found => !isDirectoryEntry(found))) {
      files[entry.fileName] = await buffer(await archive.openEntry(entry));
    }
    return files;
  } finally {
    archive.close();
  }
}

function describeEntry(entry: yauzl.Entry): ArtifactEntry {
  return { path: entryPath(entry), size: entry.uncompressedSize, isDirectory: isDirectoryEntry(entry) };
}
