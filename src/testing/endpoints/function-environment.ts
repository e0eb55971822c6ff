import { LOCAL_REGION } from './s3-client';

/**
 * The environment a step's function gets on this machine: the AWS SDK's standard variables point
 * its default clients at the loopback endpoints, with placeholder credentials for the function's
 * own role. Checksums only where S3 requires them: neither the built-in S3 endpoint nor s3rver
 * decodes the aws-chunked uploads the SDK sends for streamed bodies by default.
 */
export function loopbackFunctionEnvironment(endpoints: { readonly codePipeline: string; readonly s3: string }): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local-function-role',
    AWS_SECRET_ACCESS_KEY: 'local-function-role',
    AWS_ENDPOINT_URL_CODEPIPELINE: endpoints.codePipeline,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
}
