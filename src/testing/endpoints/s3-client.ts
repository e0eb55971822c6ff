// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import type { S3ClientConfig } from '@aws-sdk/client-s3';

/** Region of every local run: the loopback endpoints serve any, the SDK needs one. */
export const LOCAL_REGION = 'us-east-1';

/**
 * How to reach an S3 endpoint on loopback: path-style addressing (no bucket subdomains on
 * 127.0.0.1), and checksums only where S3 requires them, because neither the built-in endpoint
 * nor s3rver decodes the aws-chunked uploads the SDK sends with trailing checksums by default.
 */
export function loopbackS3ClientConfig(
  endpoint: string,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string },
): S3ClientConfig {
  return {
    endpoint,
    forcePathStyle: true,
    region: LOCAL_REGION,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}
