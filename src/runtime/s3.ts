// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import type * as S3 from '@aws-sdk/client-s3';

/**
 * The S3 client module, loaded on first use: loading it takes about a third of a cold start's
 * module loading, which a step without artifacts should not pay.
 */
export function s3Module(): typeof S3 {
  // A lazy load (`import()` would make every caller async) of the SDK the Lambda runtime provides.
  // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
  return require('@aws-sdk/client-s3');
}
