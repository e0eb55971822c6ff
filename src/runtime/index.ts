/**
 * The function side of cdk-lambda-invoke-step: `import { pipelineJobHandler } from 'cdk-lambda-invoke-step/runtime'`.
 * Node.js only; never exported from the jsii entry point.
 */
export { pipelineJobHandler, DEFAULT_TIMEOUT_MARGIN_MILLIS } from './handler';
export type { PipelineJobHandlerOptions, PipelineJobLambdaHandler, PipelineJobStep, StepFunction } from './handler';
export { PipelineJob } from './job';
export { InputArtifact, OutputArtifact, ARTIFACT_LIMITS } from './artifacts';
export { MAX_TRANSFER_ATTEMPTS } from './s3-transfer';
export { RESULT_LIMITS } from './results';
export { ArtifactError, JobFailure, NotAJobEventError } from './errors';
export type {
  ArtifactCredentials,
  ArtifactEntry,
  ArtifactFiles,
  CurrentRevision,
  ExecutionDetails,
  FailureType,
  JobContinuation,
  JobResult,
  JobSuccess,
  LambdaContext,
  Logger,
  ReadOptions,
} from './types';
