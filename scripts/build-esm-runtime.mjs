// Builds lib/runtime/index.mjs, the ES module build of `cdk-lambda-invoke-step/runtime` that the
// package's `import` condition serves. An ES module bundle (OutputFormat.ESM) cannot call `require`,
// which the CommonJS build and its zip libraries use; this build is an ES module whose bundled
// CommonJS code gets Node.js built-ins from process.getBuiltinModule, and which loads the AWS SDK
// with `import` (Lambda resolves `@aws-sdk/*` for ES modules too). It works in both bundle formats. Its source map points at src/ and the bundled
// zip libraries, which the package ships, so stack traces name files that exist.
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import * as esbuild from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

// esbuild turns the bundled CommonJS code's `require('fs')` into `__require('fs')`, whose shim
// throws in an ES module. Ours gets Node.js built-ins (all that code requires) without any
// `require` binding in the module's scope, where a user's bundle would see it.
const SHIM = /^var __require = [^\n]*\n(?:[^\n]*\n)*?\}\);\n/m;
const builtinsOnly = 'var __require = (id) => { const builtin = process.getBuiltinModule(id); '
  + 'if (builtin === undefined) throw new Error(`cdk-lambda-invoke-step/runtime (ES module build) can require only Node.js built-ins, not ${id}`); return builtin; };';

const lazyS3WithImport = {
  name: 'lazy-s3-with-import',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]runtime[\\/]s3-sdk\.ts$/ }, () => ({
      contents: "export const s3Module = () => import('@aws-sdk/client-s3');",
      loader: 'ts',
    }));
  },
};

const result = await esbuild.build({
  entryPoints: [path.join(root, 'src', 'runtime', 'index.ts')],
  outfile: path.join(root, 'lib', 'runtime', 'index.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@aws-sdk/*'],
  plugins: [lazyS3WithImport],
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
});
for (const file of result.outputFiles) {
  let text = file.text;
  if (file.path.endsWith('.mjs')) {
    const shim = text.match(SHIM);
    if (!shim || text.match(new RegExp(SHIM.source, 'gm')).length !== 1) {
      throw new Error('build-esm-runtime: esbuild\'s __require shim was not found exactly once; its output changed, update SHIM');
    }
    // As many lines as the shim, so the source map still lines up.
    text = text.replace(SHIM, builtinsOnly + '\n'.repeat(shim[0].split('\n').length - 1));
    // The zip worker's program is text that a worker runs as a CommonJS script, with its own `require`.
    const workerPrograms = text.match(/\/\* zip worker program \*\/[^`]*\/\* end of zip worker program \*\//g) ?? [];
    if (workerPrograms.length !== 1) {
      throw new Error('build-esm-runtime: the zip worker program (src/runtime/zip-threads.ts) was not found exactly once; update the check');
    }
    if (/typeof require\b|[^\w$.]require\(/.test(text.replace(workerPrograms[0], ''))) {
      throw new Error('build-esm-runtime: the ES module build still refers to `require`');
    }
  }
  fs.mkdirSync(path.dirname(file.path), { recursive: true });
  fs.writeFileSync(file.path, text);
}
