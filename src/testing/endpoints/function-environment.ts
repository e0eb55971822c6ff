import * as path from 'path';
import { LOCAL_REGION } from './s3-client';

export interface FunctionEnvironmentOptions {
  readonly codePipeline: string;
  readonly s3: string;
  /** The function role's credentials, as Lambda gives them to the function. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  readonly functionName?: string;
  /** A directory with no AWS config in it: the developer's ~/.aws files must not reach the function. */
  readonly emptyDirectory: string;
}

/**
 * The environment a step's function gets on this machine, as Lambda sets it: the function role's
 * credentials and the region, and the AWS SDK's standard variables pointing every client at
 * loopback: S3 and CodePipeline at their endpoints, every other service at the CodePipeline
 * endpoint, which refuses and records it. No shared config file, no instance metadata.
 */
export function loopbackFunctionEnvironment(options: FunctionEnvironmentOptions): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
    ...(options.credentials.sessionToken && { AWS_SESSION_TOKEN: options.credentials.sessionToken }),
    AWS_ENDPOINT_URL: options.codePipeline,
    AWS_ENDPOINT_URL_CODEPIPELINE: options.codePipeline,
    AWS_ENDPOINT_URL_S3: options.s3,
    AWS_CONFIG_FILE: path.join(options.emptyDirectory, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(options.emptyDirectory, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: options.functionName ?? 'local-step',
  };
}
