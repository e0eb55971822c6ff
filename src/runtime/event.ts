import { MalformedJobEventError, NotAJobEventError } from './errors';
import type { ArtifactCredentials, ArtifactLocation, JobEvent } from './types';

const isObject = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * Reads the parts of the event the runtime uses. Errors name the missing field, never a value:
 * the event carries the artifact credentials.
 */
export function parseJobEvent(event: unknown): JobEvent {
  if (!isObject(event) || !isObject(event['CodePipeline.job'])) {
    throw new NotAJobEventError('it has no `CodePipeline.job` object');
  }
  const job = event['CodePipeline.job'];
  if (!isNonEmptyString(job.id)) {
    throw new NotAJobEventError('`CodePipeline.job.id` is missing or not a string');
  }
  const fail = (problem: string): never => {
    throw new MalformedJobEventError(job.id, problem);
  };
  const data = job.data;
  if (!isObject(data)) {
    return fail('`CodePipeline.job.data` is missing or not an object');
  }
  const inputArtifacts = parseArtifacts(data.inputArtifacts ?? [], 'inputArtifacts', fail);
  const outputArtifacts = parseArtifacts(data.outputArtifacts ?? [], 'outputArtifacts', fail);
  const credentials = data.artifactCredentials;
  const hasCredentials = isObject(credentials)
    && ['accessKeyId', 'secretAccessKey', 'sessionToken'].every(key => isNonEmptyString(credentials[key]));
  if (!hasCredentials && inputArtifacts.length + outputArtifacts.length > 0) {
    fail('`CodePipeline.job.data.artifactCredentials` must hold accessKeyId, secretAccessKey and sessionToken when the job has artifacts');
  }
  const userParameters = data.actionConfiguration?.configuration?.UserParameters;
  if (userParameters !== undefined && typeof userParameters !== 'string') {
    fail('`CodePipeline.job.data.actionConfiguration.configuration.UserParameters` is not a string');
  }
  const encryptionKey = data.encryptionKey;
  if (encryptionKey !== undefined && encryptionKey !== null && !(isObject(encryptionKey) && isNonEmptyString(encryptionKey.id))) {
    fail('`CodePipeline.job.data.encryptionKey` has no `id`');
  }
  return {
    id: job.id,
    accountId: typeof job.accountId === 'string' ? job.accountId : '',
    userParameters,
    inputArtifacts,
    outputArtifacts,
    credentials: hasCredentials
      ? { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken }
      : undefined,
    continuationToken: isNonEmptyString(data.continuationToken) ? data.continuationToken : undefined,
    encryptionKeyId: encryptionKey?.id,
  };
}

function parseArtifacts(value: unknown, field: string, fail: (problem: string) => never): ArtifactLocation[] {
  if (!Array.isArray(value)) {
    return fail(`\`CodePipeline.job.data.${field}\` is not an array`);
  }
  return value.map((artifact, index) => {
    const s3 = isObject(artifact) && isObject(artifact.location) ? artifact.location.s3Location : undefined;
    if (!isObject(artifact) || !isNonEmptyString(artifact.name) || !isObject(s3)
      || !isNonEmptyString(s3.bucketName) || !isNonEmptyString(s3.objectKey)) {
      return fail(`\`CodePipeline.job.data.${field}[${index}]\` needs a name and location.s3Location with bucketName and objectKey`);
    }
    return {
      name: artifact.name,
      revision: isNonEmptyString(artifact.revision) ? artifact.revision : undefined,
      bucketName: s3.bucketName,
      objectKey: s3.objectKey,
    };
  });
}

/** The job's secrets by name, for `redact`: the longer ones first, so that one holding a shorter one is still found whole. */
export function credentialSecrets(credentials: ArtifactCredentials | undefined): Record<string, string | undefined> {
  return {
    secretAccessKey: credentials?.secretAccessKey,
    sessionToken: credentials?.sessionToken,
    accessKeyId: credentials?.accessKeyId,
  };
}
