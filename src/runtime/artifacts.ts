import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import type { S3Client } from '@aws-sdk/client-s3';
import * as yauzl from 'yauzl';
import * as yazl from 'yazl';
import { s3Module } from './s3';
import type { ArtifactEntry, ArtifactFiles, ArtifactLocation } from './types';

/** What artifacts need from the job they belong to. */
export interface ArtifactContext {
  readonly s3: () => S3Client;
  readonly tempDirectory: string;
  readonly encryptionKeyId?: string;
  /** Throws once the job's result has been reported. */
  readonly assertOpen: () => void;
}

/** S3's limit for one PutObject request. */
const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;
/** Entries written from memory get a fixed time, so the same files give the same zip. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

const temporaryZip = (context: ArtifactContext, kind: string) =>
  path.join(context.tempDirectory, `${kind}-${Math.random().toString(36).slice(2)}.zip`);

const s3Url = (location: ArtifactLocation) => `s3://${location.bucketName}/${location.objectKey}`;

/** An artifact the action reads: a zip file in the pipeline's artifact bucket. */
export class InputArtifact {
  private localCopy?: Promise<string>;

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
    const entries: ArtifactEntry[] = [];
    await this.forEachEntry(async entry => {
      entries.push(describeEntry(entry));
    });
    return entries;
  }

  /** One file's content. Reads only that entry, but holds the whole file in memory. */
  public async readBytes(filePath: string): Promise<Buffer> {
    const wanted = normalizeEntryPath(filePath);
    let content: Buffer | undefined;
    const seen: string[] = [];
    await this.forEachEntry(async (entry, zip) => {
      seen.push(entry.fileName);
      if (content === undefined && normalizeEntryPath(entry.fileName) === wanted && !isDirectoryEntry(entry)) {
        content = await streamToBuffer(await openEntry(zip, entry));
      }
    });
    if (content === undefined) {
      seen.sort();
      const listed = seen.slice(0, 20).join(', ') + (seen.length > 20 ? `, ... (${seen.length} in all)` : '');
      throw new Error(`Input artifact '${this.name}' has no file '${filePath}'; it holds: ${listed || 'no entries'}`);
    }
    return content;
  }

  /** One file's content as text. */
  public async readText(filePath: string, encoding: BufferEncoding = 'utf8'): Promise<string> {
    return (await this.readBytes(filePath)).toString(encoding);
  }

  /**
   * Extracts every entry under `directory` (created if needed), streaming each to disk.
   * An entry whose path would land outside `directory` stops the extraction before anything is written.
   *
   * @returns the paths written, relative to `directory`
   */
  public async extractTo(directory: string): Promise<string[]> {
    const root = path.resolve(directory);
    // Listing first reads every entry name, and yauzl refuses absolute names and `..` segments
    // there: an escaping entry stops the extraction before anything is written.
    await this.entries();
    await fs.promises.mkdir(root, { recursive: true });
    const written: string[] = [];
    await this.forEachEntry(async (entry, zip) => {
      const target = path.resolve(root, entry.fileName);
      if (isDirectoryEntry(entry)) {
        await fs.promises.mkdir(target, { recursive: true });
        return;
      }
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await pipeline(await openEntry(zip, entry), fs.createWriteStream(target));
      written.push(entry.fileName);
    });
    return written;
  }

  private download(): Promise<string> {
    this.localCopy ??= (async () => {
      const file = temporaryZip(this.context, 'input');
      const response = await this.context.s3().send(new (s3Module().GetObjectCommand)({
        Bucket: this.location.bucketName,
        Key: this.location.objectKey,
      })).catch(error => {
        throw new Error(`Could not read input artifact '${this.name}' from ${s3Url(this.location)}: ${error.name}: ${error.message}`);
      });
      await pipeline(response.Body as Readable, fs.createWriteStream(file));
      return file;
    })();
    return this.localCopy;
  }

  private async forEachEntry(visit: (entry: yauzl.Entry, zip: yauzl.ZipFile) => Promise<void>): Promise<void> {
    this.context.assertOpen();
    await forEachZipEntry(await this.download(), visit, error => /relative path|absolute path/.test(error.message)
      ? new Error(`Input artifact '${this.name}' has an entry that escapes the target directory, refused: ${error.message}`)
      : new Error(`Input artifact '${this.name}' is not a readable zip file: ${error.message}`));
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
   */
  public async write(files: ArtifactFiles | string): Promise<void> {
    this.context.assertOpen();
    const file = temporaryZip(this.context, 'output');
    await writeZip(files, file);
    const size = (await fs.promises.stat(file)).size;
    if (size > MAX_SINGLE_UPLOAD_BYTES) {
      throw new Error(`Output artifact '${this.name}' is ${size} bytes zipped, over the ${MAX_SINGLE_UPLOAD_BYTES} bytes one upload accepts`);
    }
    await this.context.s3().send(new (s3Module().PutObjectCommand)({
      Bucket: this.location.bucketName,
      Key: this.location.objectKey,
      Body: fs.createReadStream(file),
      ContentLength: size,
      ContentType: 'application/zip',
      ...(this.context.encryptionKeyId && { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.context.encryptionKeyId }),
    })).catch(error => {
      throw new Error(`Could not write output artifact '${this.name}' to ${s3Url(this.location)}: ${error.name}: ${error.message}`);
    });
    await fs.promises.rm(file, { force: true });
    this.writtenFlag = true;
  }
}

/** Zips `files` (path → content, or every file of a directory) into `zipPath`, streaming. */
export async function writeZip(files: ArtifactFiles | string, zipPath: string): Promise<void> {
  const zip = new yazl.ZipFile();
  if (typeof files === 'string') {
    for (const [entryPath, absolutePath] of await listDirectory(files)) {
      zip.addFile(absolutePath, entryPath);
    }
  } else {
    for (const [entryPath, content] of Object.entries(files)) {
      const name = checkOutputPath(entryPath);
      zip.addBuffer(Buffer.from(typeof content === 'string' ? Buffer.from(content, 'utf8') : content), name, { mtime: FIXED_MTIME });
    }
  }
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(zipPath));
}

/** Every file of the zip at `zipPath`, in memory: for tests and small artifacts. */
export async function readZip(zipPath: string): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  await forEachZipEntry(zipPath, async (entry, zip) => {
    if (!isDirectoryEntry(entry)) {
      files[entry.fileName] = await streamToBuffer(await openEntry(zip, entry));
    }
  });
  return files;
}

/** Visits the zip's entries one at a time, in the order stored; `explain` turns yauzl's errors into the caller's. */
async function forEachZipEntry(
  zipPath: string,
  visit: (entry: yauzl.Entry, zip: yauzl.ZipFile) => Promise<void>,
  explain: (error: Error) => Error = error => error,
): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: false }, (error, opened) => error ? reject(error) : resolve(opened));
  }).catch(error => {
    throw explain(error);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => visit(entry, zip).then(() => zip.readEntry(), reject));
      zip.on('end', resolve);
      zip.on('error', (error: Error) => reject(explain(error)));
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/** Zip marks a directory by a trailing slash on its name. */
function isDirectoryEntry(entry: yauzl.Entry): boolean {
  return entry.fileName.endsWith('/');
}

function describeEntry(entry: yauzl.Entry): ArtifactEntry {
  const isDirectory = isDirectoryEntry(entry);
  return { path: isDirectory ? entry.fileName.slice(0, -1) : entry.fileName, size: entry.uncompressedSize, isDirectory };
}

function normalizeEntryPath(entryPath: string): string {
  return path.posix.normalize(entryPath.replace(/\\/g, '/')).replace(/^\.\//, '');
}

function checkOutputPath(entryPath: string): string {
  const name = normalizeEntryPath(entryPath);
  if (!name || name === '.' || name.endsWith('/') || path.posix.isAbsolute(name) || name.split('/').includes('..')) {
    throw new Error(`Output artifact file paths must be relative paths inside the artifact, got '${entryPath}'`);
  }
  return name;
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (error, stream) => error ? reject(error) : resolve(stream)));
}

async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
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
