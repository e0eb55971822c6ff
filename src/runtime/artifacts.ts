import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { buffer } from 'stream/consumers';
import { pipeline } from 'stream/promises';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import type { S3Client } from '@aws-sdk/client-s3';
import type * as yauzl from 'yauzl';
import * as yazl from 'yazl';
import { ArtifactError } from './errors';
import { Transfer, downloadToFile, uploadFile } from './s3-transfer';
import type { ArtifactEntry, ArtifactFiles, ArtifactLocation, ReadOptions } from './types';
import { ZipArchive, describeEntryProblem, entryPath, isDirectoryEntry, normalizeEntryPath } from './zip-reader';
import { LIMITS } from '../shared/limits';

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

/** The runtime's limits on artifacts (README, "Limits"). */
export const ARTIFACT_LIMITS = {
  /** S3's limit for one PutObject request. */
  maxOutputArtifactBytes: LIMITS.putObjectBytes.max,
  /**
   * The largest entry `readBytes`/`readText` inflate into memory unless given `maxBytes`: a zip
   * of 1 MB can hold an entry of 1 GB, which would end a 128 MB function. `extractTo` streams to disk.
   */
  maxInMemoryEntryBytes: 64 * 1024 ** 2,
} as const;

/** Entries written from memory get a fixed time, so the same files give the same zip. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

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
    if (entry.uncompressedSize > limit) {
      throw new ArtifactError(`Input artifact '${this.name}', entry '${entry.fileName}': its header declares ${entry.uncompressedSize} bytes uncompressed, `
        + `over the ${limit}-byte limit for reading an entry into memory; extractTo() streams it to disk instead, or pass { maxBytes } to raise the limit`);
    }
    return this.readEntry(archive, entry, buffer);
  }

  /** One file's content as text. */
  public async readText(filePath: string, encoding: BufferEncoding = 'utf8', options: ReadOptions = {}): Promise<string> {
    return (await this.readBytes(filePath, options)).toString(encoding);
  }

  /**
   * Extracts every entry under `directory` (created if needed), streaming each to disk and
   * verifying its CRC-32; an entry that fails the check is removed and the extraction fails.
   * An entry whose path would land outside `directory` stops the extraction before anything is written.
   *
   * @returns the paths written, relative to `directory`
   */
  public async extractTo(directory: string): Promise<string[]> {
    const archive = await this.open();
    const root = path.resolve(directory);
    await fs.promises.mkdir(root, { recursive: true });
    const written: string[] = [];
    for (const entry of archive.entries) {
      const target = path.resolve(root, entryPath(entry));
      if (isDirectoryEntry(entry)) {
        await fs.promises.mkdir(target, { recursive: true });
        continue;
      }
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await this.readEntry(archive, entry, stream => pipeline(stream, fs.createWriteStream(target), { signal: this.context.signal }))
        .catch(async error => {
          await fs.promises.rm(target, { force: true });
          throw error;
        });
      written.push(entry.fileName);
    }
    return written;
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
      this.context.assertOpen();
      throw new ArtifactError(`Input artifact '${this.name}', entry '${entry.fileName}': ${describeEntryProblem(error as Error)}`, 'JobFailed', { cause: error });
    }
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

  private async downloadAndIndex(): Promise<ZipArchive> {
    const file = temporaryZip(this.context, 'input');
    await downloadToFile(await transferOf(this.context, this.location, `Could not read input artifact '${this.name}' from`), file);
    try {
      return await ZipArchive.open(file);
    } catch (error) {
      await fs.promises.rm(file, { force: true });
      const problem = (error as Error).message;
      throw new ArtifactError(/relative path|absolute path/.test(problem)
        ? `Input artifact '${this.name}' has an entry that escapes the target directory, refused: ${problem}`
        : `Input artifact '${this.name}' is not a readable zip file: ${problem}`, 'JobFailed', { cause: error });
    }
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
      await writeZip(files, file);
      const size = (await fs.promises.stat(file)).size;
      if (size > ARTIFACT_LIMITS.maxOutputArtifactBytes) {
        throw new ArtifactError(`Output artifact '${this.name}' is ${size} bytes zipped, over the ${ARTIFACT_LIMITS.maxOutputArtifactBytes} bytes one upload accepts`);
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

/** Zips `files` (path → content, or every file of a directory) into `zipPath`, streaming. */
export async function writeZip(files: ArtifactFiles | string, zipPath: string): Promise<void> {
  const zip = new yazl.ZipFile();
  if (typeof files === 'string') {
    for (const [name, absolutePath] of await listDirectory(files)) {
      zip.addFile(absolutePath, name);
    }
  } else {
    for (const [requested, content] of Object.entries(files)) {
      const name = checkOutputPath(requested);
      zip.addBuffer(Buffer.from(typeof content === 'string' ? Buffer.from(content, 'utf8') : content), name, { mtime: FIXED_MTIME });
    }
  }
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(zipPath));
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

function checkOutputPath(requested: string): string {
  const name = normalizeEntryPath(requested);
  if (!name || name === '.' || /[/\\]$/.test(requested) || path.posix.isAbsolute(name) || name.split('/').includes('..')) {
    throw new Error(`Output artifact file paths must be relative paths inside the artifact, got '${requested}'`);
  }
  return name;
}

/** Every file under `directory`, sorted, as [path inside the artifact, absolute path]. */
async function listDirectory(directory: string): Promise<Array<[string, string]>> {
  const root = path.resolve(directory);
  const stat = await fs.promises.stat(root).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new Error(`Output artifact directory '${directory}' does not exist or is not a directory`);
  }
  const files: Array<[string, string]> = [];
  const walk = async (relative: string): Promise<void> => {
    const children = await fs.promises.readdir(path.join(root, relative), { withFileTypes: true });
    for (const child of children.sort((a, b) => a.name.localeCompare(b.name))) {
      const childRelative = relative ? `${relative}/${child.name}` : child.name;
      if (child.isDirectory()) {
        await walk(childRelative);
      } else if (child.isFile()) {
        files.push([childRelative, path.join(root, childRelative)]);
      }
    }
  };
  await walk('');
  return files;
}
