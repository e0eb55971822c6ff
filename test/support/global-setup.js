// Before every jest run: the failure reporter's shipped code (lib/assets/failure-reporter/), built
// from src/failure-reporter/ as `npx projen compile` builds it, so that tests that synthesize a step
// or run the reporter use the current source, in this checkout and in the scratch copies the build makes.
// Then the Go and Java steps the clients' tests run (support/aws-clients.ts), built once here rather
// than by several test files at once.
const { execFileSync } = require('child_process');
const path = require('path');

module.exports = async () => {
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'build-failure-reporter.mjs')], { stdio: 'inherit' });
  require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', '..', 'tsconfig.dev.json') });
  const { goStep, javaStep } = require('./aws-clients');
  await goStep();
  await javaStep();
};
