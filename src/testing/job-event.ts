import { randomBytes, randomUUID } from 'crypto';
import { StepRunError } from './step-run-error';

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

/**
 * Checks an event given to a run (`event`) for what the run and CodePipeline's own events always have:
 * the job's id, the artifact credentials, and each artifact's name and S3 location. A missing or
 * mistyped field is refused with its path, the rule and the value, instead of failing deep inside the run.
 */
export function checkGivenEvent(event: unknown): void {
  const job = (event as any)?.['CodePipeline.job'];
  if (typeof job !== 'object' || job === null) {
    throw new StepRunError(`The given event is not a CodePipeline job event: it must be an object holding "CodePipeline.job", got ${describeValue(event)}`);
  }
  const problems: string[] = [];
  const check = (fieldPath: string, rule: string, test: (value: any) => boolean) => {
    const value = fieldPath.split('.').reduce<any>((found, key) => found?.[key], job);
    if (!test(value)) {
      // A credential is never shown, even a malformed one: only its type.
      const got = fieldPath.includes('artifactCredentials') && value !== undefined ? `a ${typeof value}` : describeValue(value);
      problems.push(`CodePipeline.job.${fieldPath} must be ${rule}, got ${got}`);
    }
  };
  const text = (value: unknown) => typeof value === 'string' && value.length > 0;
  check('id', 'a non-empty string', text);
  check('data.artifactCredentials.accessKeyId', 'a non-empty string', text);
  check('data.artifactCredentials.secretAccessKey', 'a non-empty string', text);
  check('data.artifactCredentials.sessionToken', 'a string when present', value => value === undefined || typeof value === 'string');
  check('data.artifactCredentials.expirationTime', 'a time when present', value => value === undefined || Number.isFinite(Number(new Date(value))));
  for (const list of ['inputArtifacts', 'outputArtifacts']) {
    check(`data.${list}`, 'a list when present', value => value === undefined || Array.isArray(value));
    (Array.isArray(job.data?.[list]) ? job.data[list] : []).forEach((_: unknown, index: number) => {
      check(`data.${list}.${index}.name`, 'a non-empty string', text);
      check(`data.${list}.${index}.location.type`, '"S3"', value => value === 'S3');
      check(`data.${list}.${index}.location.s3Location.bucketName`, 'a non-empty string', text);
      check(`data.${list}.${index}.location.s3Location.objectKey`, 'a non-empty string', text);
    });
  }
  if (problems.length > 0) {
    throw new StepRunError(`The given event is not a CodePipeline job event the run can serve: ${problems.join('; ')}`);
  }
}

/** A value as a message shows it: JSON, cut short. */
function describeValue(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value).slice(0, 60);
}
