// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import type * as S3 from '@aws-sdk/client-s3';

/**
 * The S3 client module, loaded on first use: loading it takes about a third of a cold start's
 * module loading, which a step without artifacts should not pay. The ES module build
 * (scripts/build-esm-runtime.mjs) replaces this file with one that loads it through `import()`.
 */
export async function s3Module(): Promise<typeof S3> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
  return require('@aws-sdk/client-s3');
}
