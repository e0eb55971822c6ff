// Builds lib/runtime/index.mjs, the ES module build of `cdk-lambda-invoke-step/runtime` that the
// package's `import` condition serves. An ES module bundle (OutputFormat.ESM) cannot call `require`,
// which the CommonJS build and its zip libraries use; this build is an ES module whose bundled
// CommonJS code gets Node.js built-ins from process.getBuiltinModule, and which loads the AWS SDK
// with `import`. It works in both bundle formats. Its source map points at src/ and the bundled
// zip libraries, which the package ships, so stack traces name files that exist.
import * as path from 'path';
import { fileURLToPath } from 'url';
import * as esbuild from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

// esbuild's shim for a CommonJS `require` uses the `require` it finds in scope.
const builtinRequire = [
  'const require = (id) => {',
  '  const builtin = process.getBuiltinModule(id);',
  '  if (builtin === undefined) throw new Error(`cdk-lambda-invoke-step/runtime (ES module build) loads only Node.js built-ins with require, not ${id}`);',
  '  return builtin;',
  '};',
].join('\n');

const lazyS3WithImport = {
  name: 'lazy-s3-with-import',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]runtime[\\/]s3\.ts$/ }, () => ({
      contents: "export const s3Module = () => import('@aws-sdk/client-s3');",
      loader: 'ts',
    }));
  },
};

await esbuild.build({
  entryPoints: [path.join(root, 'src', 'runtime', 'index.ts')],
  outfile: path.join(root, 'lib', 'runtime', 'index.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@aws-sdk/*'],
  banner: { js: builtinRequire },
  plugins: [lazyS3WithImport],
  sourcemap: 'linked',
  logLevel: 'warning',
});
