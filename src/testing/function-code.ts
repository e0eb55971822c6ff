import * as fs from 'fs';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import { StepRunError } from './step-run-error';
import { ZipArchive, permissionsOf } from '../runtime/zip-reader';

/**
 * The function's code as Lambda unpacks it into /var/task: a directory as it is; a `.zip` or `.jar`
 * file (as `Code.fromAsset` stages a file) extracted into a directory of `work`, keeping the
 * permissions it records, so that a bootstrap stays executable.
 */
export async function unpackedCode(code: string, work: string, what = 'The function\'s code'): Promise<string> {
  const stat = fs.statSync(code, { throwIfNoEntry: false });
  if (stat?.isDirectory()) {
    return path.resolve(code);
  }
  if (!stat?.isFile() || !/\.(zip|jar)$/i.test(code)) {
    throw new StepRunError(`${what} must be a directory, a .zip or a .jar file, as Lambda takes it; ${code} is ${stat ? 'another kind of file' : 'not there'}`);
  }
  const directory = fs.mkdtempSync(path.join(work, 'unpacked-'));
  await extractZip(code, directory).catch((error: Error) => {
    throw new StepRunError(`${what}, ${code}, is not a zip Lambda could unpack: ${error.message}`);
  });
  return directory;
}

/**
 * The run's stand-in for /opt: each layer's content in order, a later layer's files over an earlier
 * one's, as Lambda extracts them. Undefined for a function without layers.
 */
export async function layersDirectory(layers: readonly string[], work: string): Promise<string | undefined> {
  if (layers.length === 0) {
    return undefined;
  }
  const opt = path.join(work, 'opt');
  fs.mkdirSync(opt, { recursive: true });
  for (const [index, layer] of layers.entries()) {
    const content = await unpackedCode(layer, work, `Layer ${index + 1}`);
    fs.cpSync(content, opt, { recursive: true, force: true });
  }
  return opt;
}

async function extractZip(zipPath: string, directory: string): Promise<void> {
  const archive = await ZipArchive.open(zipPath);
  try {
    for (const entry of archive.entries) {
      // The reader refuses names that leave the archive, so each target is inside `directory`.
      const target = path.join(directory, entry.fileName);
      if (entry.fileName.endsWith('/')) {
        fs.mkdirSync(target, { recursive: true });
        continue;
      }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      await pipeline(await archive.openEntry(entry), fs.createWriteStream(target, { mode: permissionsOf(entry) ?? 0o644 }));
    }
  } finally {
    archive.close();
  }
}
