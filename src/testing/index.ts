/**
 * Run a step end to end on this machine: `import { runStep } from 'cdk-lambda-invoke-step/testing'`.
 * Node.js only; never exported from the jsii entry point.
 */
// First: it names what to install when the AWS SDK is missing, before any module below needs it.
import './require-sdk';
export { runStep, runBundledStep, runCustomRuntimeStep, runJavaStep, runPythonStep, StepRunError } from './run-step';
export type { ArtifactSource, ExternalS3, FunctionStepOptions, PythonStepOptions, StepOutcome, StepRun, StepRunOptions } from './run-step';
export { runSynthesizedStep, findSynthesizedStep } from './synthesized';
export { assertSucceeded, StepAssertionError } from './assert-succeeded';
export type { SynthesizedStep } from './assembly';
export { LoopbackCodePipeline } from './endpoints/codepipeline';
export type { RecordedCall } from './endpoints/codepipeline';
export { LoopbackS3Endpoint } from './endpoints/s3';
export type { StoredObjectInfo } from './endpoints/s3';
export { templateForSnapshot, assetHashSerializer, appWithoutBundling, MASKED_ASSET_HASH } from './snapshot';
export type { CredentialLeak } from './credential-leaks';
export type { FailureReport } from './lambda-retries';
export type { FunctionError } from './runners/invoker';
export type { NodeRuntime } from './invoke-like-lambda';
export type { RunnerOptions } from './runtimes';
export type { PythonRuntimeClient } from './runners/python';
export type { LoopbackCodePipelineOptions } from './endpoints/codepipeline';
export type { LoopbackS3EndpointOptions } from './endpoints/s3';
export type { KnownCredentials } from './endpoints/sigv4';
