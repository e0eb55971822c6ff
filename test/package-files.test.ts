import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { temporaryDirectory } from './support/zip';

// Packing refuses a build that lacks a file package.json names (scripts/check-package-files.mjs,
// this package's prepack), such as the ES module runtime after a compile that stopped early.
const ROOT = path.join(__dirname, '..');
const SCRIPT = path.join(ROOT, 'scripts', 'check-package-files.mjs');
const run = promisify(execFile);

/** A copy of this package's manifest, its prepack pointed at the script here, and the files in `present`. */
function packageWith(present: string[]): string {
  const directory = temporaryDirectory('package-files-');
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  expect(manifest.scripts.prepack).toBe('node scripts/check-package-files.mjs');
  manifest.scripts = { prepack: `node ${JSON.stringify(SCRIPT)}` };
  fs.writeFileSync(path.join(directory, 'package.json'), JSON.stringify(manifest));
  for (const file of present) {
    fs.mkdirSync(path.dirname(path.join(directory, file)), { recursive: true });
    fs.writeFileSync(path.join(directory, file), '');
  }
  return directory;
}

const EXPORTED = ['lib/index.js', 'lib/index.d.ts', 'lib/runtime/index.js', 'lib/runtime/index.mjs', 'lib/runtime/index.d.ts',
  'lib/testing/index.js', 'lib/testing/index.d.ts', 'lib/cli/main.js', '.jsii', 'lib/assets/failure-reporter/index.js'];

test('npm pack refuses a package without the ES module runtime, naming the file', async () => {
  const directory = packageWith(EXPORTED.filter(file => file !== 'lib/runtime/index.mjs'));
  try {
    const packing = run('npm', ['pack', '--dry-run'], { cwd: directory });
    await expect(packing).rejects.toMatchObject({
      stderr: expect.stringContaining('package.json names a file that does not exist: ./lib/runtime/index.mjs. Build it first: npx projen compile'),
    });
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}, 60_000);

test('npm pack refuses a package without the failure reporter\'s code, which every step deploys', async () => {
  const directory = packageWith(EXPORTED.filter(file => file !== 'lib/assets/failure-reporter/index.js'));
  try {
    await expect(run('npm', ['pack', '--dry-run'], { cwd: directory })).rejects.toMatchObject({
      stderr: expect.stringContaining('lib/assets/failure-reporter/index.js, the failure reporter\'s code that every step deploys, does not exist. Build it first: npx projen compile'),
    });
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}, 60_000);

test('a package holding every file package.json names is packed', async () => {
  const directory = packageWith(EXPORTED);
  try {
    const { stdout } = await run('node', [SCRIPT, directory]);
    expect(stdout).toBe('');
    await expect(run('npm', ['pack', '--dry-run'], { cwd: directory })).resolves.toBeDefined();
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}, 60_000);
