/**
 * The function side of cdk-lambda-invoke-step: `import { pipelineJobHandler } from 'cdk-lambda-invoke-step/runtime'`.
 * Node.js only; never exported from the jsii entry point.
 */
export { pipelineJobHandler, DEFAULT_TIMEOUT_MARGIN_MILLIS } from './handler';
export type { LambdaContext, Logger, PipelineJobHandlerOptions, PipelineJobLambdaHandler, StepFunction } from './handler';
export { PipelineJob } from './job';
export { InputArtifact, OutputArtifact } from './artifacts';
export type { ArtifactEntry, ArtifactFiles } from './artifacts';
export { JobFailure, RESULT_LIMITS } from './results';
export type { CurrentRevision, ExecutionDetails, FailureType, JobContinuation, JobResult, JobSuccess } from './results';
export { NotAJobEventError } from './event';
export type { ArtifactCredentials } from './event';
