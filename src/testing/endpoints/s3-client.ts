// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import type { S3ClientConfig } from '@aws-sdk/client-s3';

/** Region of every local run: the loopback endpoints serve any, the SDK needs one. */
export const LOCAL_REGION = 'us-east-1';

/** An S3 client's configuration for an endpoint on loopback: the SDK's defaults otherwise (checksums included). */
export function loopbackS3ClientConfig(
  endpoint: string,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string },
): S3ClientConfig {
  return {
    endpoint,
    // No bucket subdomains on 127.0.0.1 (the SDK picks path style for an IP endpoint too; other hosts need it).
    forcePathStyle: true,
    region: LOCAL_REGION,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
  };
}
