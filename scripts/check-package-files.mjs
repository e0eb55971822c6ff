// Refuses to pack a package whose `exports`, `main`, `types` or `bin` name a file that is not built,
// such as lib/runtime/index.mjs after a compile that stopped early: users' bundles would fail on
// `Could not resolve "cdk-lambda-invoke-step/runtime"`, far from the cause. It refuses one without
// the failure reporter's code too, which every step deploys. npm runs it as `prepack`.
// Usage: node scripts/check-package-files.mjs [package directory]
import * as fs from 'fs';
import * as path from 'path';

const directory = path.resolve(process.argv[2] ?? '.');
const manifest = JSON.parse(fs.readFileSync(path.join(directory, 'package.json'), 'utf8'));

/** Every file path a `exports` value names, through its conditions. */
function exportedFiles(value) {
  if (typeof value === 'string') {
    return [value];
  }
  return Object.values(value ?? {}).flatMap(exportedFiles);
}

const named = [
  ...exportedFiles(manifest.exports),
  manifest.main,
  manifest.types,
  ...typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {}),
].filter(file => typeof file === 'string' && !file.includes('*'));
const missing = [...new Set(named)].filter(file => !fs.existsSync(path.join(directory, file)));
if (missing.length > 0) {
  console.error(`Not packing ${manifest.name}: package.json names ${missing.length === 1 ? 'a file that does' : 'files that do'} not exist: `
    + `${missing.join(', ')}. Build it first: npx projen compile`);
  process.exit(1);
}
// The failure reporter's code, which every step deploys (scripts/build-failure-reporter.mjs).
const reporter = 'lib/assets/failure-reporter/index.js';
if (!fs.existsSync(path.join(directory, reporter))) {
  console.error(`Not packing ${manifest.name}: ${reporter}, the failure reporter's code that every step deploys, does not exist. Build it first: npx projen compile`);
  process.exit(1);
}
