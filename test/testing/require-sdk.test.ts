import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { temporaryDirectory } from '../support/zip';

const TESTING = path.join(__dirname, '..', '..', 'src', 'testing');
const run = promisify(execFile);

/** Loads cdk-lambda-invoke-step/testing in a Node.js process where `hidden` cannot be resolved, as in a project without them. */
async function loadWithout(hidden: string[]): Promise<{ stderr: string; code: number }> {
  const directory = temporaryDirectory('no-sdk-');
  const hook = path.join(directory, 'hide.js');
  fs.writeFileSync(hook, [
    "const Module = require('module');",
    'const resolve = Module._resolveFilename;',
    `const hidden = ${JSON.stringify(hidden)};`,
    'Module._resolveFilename = function (request, ...rest) {',
    "  if (hidden.some(name => request === name || request.startsWith(name + '/'))) {",
    "    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });",
    '  }',
    '  return resolve.call(this, request, ...rest);',
    '};',
  ].join('\n'));
  try {
    await run(process.execPath, ['-r', hook, '-r', require.resolve('ts-node/register/transpile-only'), '-e', `require(${JSON.stringify(TESTING)})`]);
    return { stderr: '', code: 0 };
  } catch (error: any) {
    return { stderr: error.stderr, code: error.code };
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

test('without the AWS SDK, loading the harness names what is missing and the command that installs it', async () => {
  const { stderr, code } = await loadWithout(['@aws-sdk/client-s3']);
  expect(code).toBe(1);
  expect(stderr).toContain('cdk-lambda-invoke-step/testing needs @aws-sdk/client-s3, which the Lambda runtime provides');
  expect(stderr).toContain('npm install --save-dev @aws-sdk/client-codepipeline @aws-sdk/client-s3');
  expect(stderr).not.toContain("Cannot find module '@aws-sdk/client-s3'");
}, 60_000);

test('with the SDK, it loads', async () => {
  expect((await loadWithout([])).code).toBe(0);
}, 60_000);
