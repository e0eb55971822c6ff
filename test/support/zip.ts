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
  const zip = zipFiles({ 'zz/escaped.txt': 'outside', 'inside.txt': 'inside' });
  const from = Buffer.from('zz/escaped.txt');
  const to = Buffer.from('../escaped.txt');
  let offset = zip.indexOf(from);
  while (offset !== -1) {
    to.copy(zip, offset);
    offset = zip.indexOf(from, offset + 1);
  }
  return zip;
}
