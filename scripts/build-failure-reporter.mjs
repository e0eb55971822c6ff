// Builds lib/assets/failure-reporter/index.js, the step's failure reporter as the construct deploys it
// (src/failure-reporter/): one CommonJS file, pre-built as aws-cdk-lib ships its own handlers, so that
// synthesizing a step bundles nothing and every app gets the same asset hash. The AWS SDK stays out:
// the Lambda Node.js runtime provides it. Run by `npx projen compile` and before jest.
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import * as esbuild from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'lib', 'assets', 'failure-reporter');

fs.rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: [path.join(root, 'src', 'failure-reporter', 'index.ts')],
  outfile: path.join(outdir, 'index.js'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  logLevel: 'warning',
});
