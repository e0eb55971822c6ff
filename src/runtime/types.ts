/**
 * The types of the job event as far as the runtime reads it, and of the results and artifacts of
 * the runtime's API. The handler's own types are in handler.ts, beside it: they name the job
 * (job.ts), which imports these.
 */

export interface ArtifactCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface ArtifactLocation {
  readonly name: string;
  readonly revision?: string;
  readonly bucketName: string;
  readonly objectKey: string;
}

export interface JobEvent {
  readonly id: string;
  readonly accountId: string;
  readonly userParameters?: string;
  readonly inputArtifacts: ArtifactLocation[];
  readonly outputArtifacts: ArtifactLocation[];
  readonly credentials?: ArtifactCredentials;
  readonly continuationToken?: string;
  readonly encryptionKeyId?: string;
}

/** CodePipeline's failure types (API model FailureType). */
export type FailureType =
  | 'JobFailed'
  | 'ConfigurationError'
  | 'PermissionError'
  | 'RevisionOutOfSync'
  | 'RevisionUnavailable'
  | 'SystemUnavailable';

/** The revision the action worked on, reported with a success. */
export interface CurrentRevision {
  readonly revision: string;
  readonly changeIdentifier: string;
  readonly created?: Date;
  readonly revisionSummary?: string;
}

/** Details shown in the console for the action's run. */
export interface ExecutionDetails {
  /** 1 to 2048 characters. */
  readonly summary?: string;
  /** 0 to 100. */
  readonly percentComplete?: number;
  /** 1 to 1500 characters. @default the Lambda request id */
  readonly externalExecutionId?: string;
}

/** What your function of the job returns to report success. */
export interface JobSuccess extends ExecutionDetails {
  /** Output variables: keys `[A-Za-z0-9@\-_]{1,128}`, string values, 122,880 bytes together. */
  readonly outputVariables?: Record<string, string>;
  readonly currentRevision?: CurrentRevision;
}

/** What `job.continueLater()` returns: the step is not done and CodePipeline invokes it again. */
export interface JobContinuation extends ExecutionDetails {
  readonly continuationToken: string;
}

export type JobResult = JobSuccess | JobContinuation;

/** One entry of a zipped artifact. */
export interface ArtifactEntry {
  /** The entry's path inside the artifact, with forward slashes. */
  readonly path: string;
  /** Uncompressed size in bytes. */
  readonly size: number;
  readonly isDirectory: boolean;
}

/** How `readBytes` and `readText` read an entry into memory. */
export interface ReadOptions {
  /**
   * The largest entry to inflate into memory, in bytes; a larger one is refused before it is inflated.
   *
   * @default 67108864 (64 MiB, ARTIFACT_LIMITS.maxInMemoryEntryBytes)
   */
  readonly maxBytes?: number;
}

/** Files to write into an output artifact: path inside the artifact → content. */
export type ArtifactFiles = Record<string, string | Uint8Array>;

/** Where the runtime writes its log lines. Never given the event or credentials. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The parts of the Lambda context the runtime uses. */
export interface LambdaContext {
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
}
