// Compares the CloudFormation templates of two cloud assemblies, nested assemblies (CDK Pipelines'
// stages) included, after sorting keys: `node scripts/compare-templates.mjs <expected> <actual> [file...]`.
// With file names, only those templates are compared. Exits 1 naming each template that differs, the
// first differing path in it, and both values.
import * as fs from 'node:fs';
import * as path from 'node:path';

const [expectedDir, actualDir, ...only] = process.argv.slice(2);

function templates(dir) {
  return fs.readdirSync(dir, { recursive: true })
    .filter(file => file.endsWith('.template.json') && !file.split(path.sep).includes('cdk.out'))
    .filter(file => only.length === 0 || only.includes(file))
    .sort();
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map(key => [key, sortKeys(value[key])]));
  }
  return value;
}

function firstDifference(expected, actual, at = '') {
  if (JSON.stringify(expected) === JSON.stringify(actual)) return undefined;
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      const found = firstDifference(expected[key], actual[key], `${at}/${key}`);
      if (found) return found;
    }
  }
  return `${at || '/'}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

const expectedFiles = templates(expectedDir);
const actualFiles = templates(actualDir);
const problems = [];
if (expectedFiles.length === 0) problems.push(`no templates in ${expectedDir}`);
if (JSON.stringify(expectedFiles) !== JSON.stringify(actualFiles)) {
  problems.push(`templates differ: expected ${expectedFiles.join(', ')}; got ${actualFiles.join(', ')}`);
}
for (const file of expectedFiles.filter(name => actualFiles.includes(name))) {
  const expected = sortKeys(JSON.parse(fs.readFileSync(path.join(expectedDir, file), 'utf8')));
  const actual = sortKeys(JSON.parse(fs.readFileSync(path.join(actualDir, file), 'utf8')));
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    problems.push(`${file} differs at ${firstDifference(expected, actual)}`);
  }
}
if (problems.length > 0) {
  console.error(`${actualDir} does not match ${expectedDir}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`${actualDir}: ${expectedFiles.length} templates identical to ${expectedDir}`);
