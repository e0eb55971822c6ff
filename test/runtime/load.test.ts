import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { bundleHandler } from '../support/measure';
import { temporaryDirectory } from '../support/zip';

// A step without artifacts must not load the S3 client: it is most of the runtime's cold load.
test('the runtime loads @aws-sdk/client-s3 only when a step first uses an artifact', async () => {
  const work = temporaryDirectory('runtime-load-');
  const bundle = bundleHandler(path.join(__dirname, '..', '..', 'bench', 'fixtures', 'runtime-handler.ts'), work);
  const script = `const loaded = () => Object.keys(require.cache).filter(file => file.includes('client-s3')).length;
    require(${JSON.stringify(bundle)});
    const afterRuntime = loaded();
    require('@aws-sdk/client-s3');
    process.stdout.write(JSON.stringify({ afterRuntime, afterS3: loaded() }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
    env: { ...process.env, NODE_PATH: path.join(__dirname, '..', '..', 'node_modules') },
  });
  const { afterRuntime, afterS3 } = JSON.parse(stdout);
  expect(afterRuntime).toBe(0);
  expect(afterS3).toBeGreaterThan(0);
});
