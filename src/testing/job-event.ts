import { randomBytes, randomUUID } from 'crypto';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface JobEventSettings {
  readonly accountId: string;
  readonly bucket: string;
  readonly pipelineName: string;
  readonly functionName: string;
  readonly userParameters?: string;
  readonly inputs: ReadonlyArray<{ readonly name: string; readonly revision: string }>;
  readonly outputs: readonly string[];
  readonly credentials: Credentials;
  readonly expiresAt: number;
  readonly continuationToken?: string;
  readonly encryptionKeyId?: string;
}

/** Made-up temporary credentials, shaped like the STS credentials AWS hands out. */
export function madeUpCredentials(): Required<Credentials> {
  return {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(60).toString('base64'),
  };
}

/** A random source revision, shaped like a Git commit id. */
export function madeUpRevision(): string {
  return randomBytes(20).toString('hex');
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An artifact's object key as CodePipeline makes it: `<pipeline>/<artifact prefix>/<random>`, no extension. */
function artifactObjectKey(pipelineName: string, artifactName: string): string {
  const random = [...randomBytes(7)].map(byte => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
  return `${pipelineName.slice(0, 20)}/${artifactName.slice(0, 10)}/${random}`;
}

/** A CodePipeline job event for a Lambda invoke action, in the shape AWS documents. */
export function buildJobEvent(settings: JobEventSettings) {
  const location = (name: string, revision: string | null) => ({
    name,
    revision,
    location: { type: 'S3', s3Location: { bucketName: settings.bucket, objectKey: artifactObjectKey(settings.pipelineName, name) } },
  });
  return {
    'CodePipeline.job': {
      id: randomUUID(),
      accountId: settings.accountId,
      data: {
        actionConfiguration: {
          configuration: {
            FunctionName: settings.functionName,
            ...(settings.userParameters !== undefined && { UserParameters: settings.userParameters }),
          },
        },
        inputArtifacts: settings.inputs.map(input => location(input.name, input.revision)),
        outputArtifacts: settings.outputs.map(name => location(name, null)),
        artifactCredentials: {
          accessKeyId: settings.credentials.accessKeyId,
          secretAccessKey: settings.credentials.secretAccessKey,
          sessionToken: settings.credentials.sessionToken,
          expirationTime: settings.expiresAt,
        },
        ...(settings.continuationToken && { continuationToken: settings.continuationToken }),
        ...(settings.encryptionKeyId && { encryptionKey: { id: settings.encryptionKeyId, type: 'KMS' } }),
      },
    },
  };
}

/** The CodePipeline variables (`namespace.name`) a text uses as `#{namespace.name}`, each once, in order. */
export function pipelineVariablesIn(text: string): string[] {
  return [...new Set([...text.matchAll(PIPELINE_VARIABLE)].map(match => match[1]))];
}

/** `#{namespace.name}`, as CodePipeline substitutes it in an action's configuration. */
export const PIPELINE_VARIABLE = /#\{([^}]+)\}/g;
