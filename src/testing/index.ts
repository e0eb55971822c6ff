/**
 * Run a step end to end on this machine: `import { runStep } from 'cdk-lambda-invoke-step/testing'`.
 * Node.js only; never exported from the jsii entry point.
 *
 * This is the package's public testing surface: what README and docs/local-runs.md document, and
 * the types their results and options are made of. The loopback endpoints and their test hooks
 * stay inside; this repository's tests import them from their modules.
 */
// First: it names what to install when the AWS SDK is missing, before any module below needs it.
import './require-sdk';
export { runStep, runBundledStep, runCustomRuntimeStep, runJavaStep, runPythonStep, StepRunError } from './run-step';
export type { ArtifactSource, ExternalS3, FunctionStepOptions, PythonStepOptions, StepOutcome, StepRun, StepRunOptions } from './run-step';
export { runSynthesizedStep } from './synthesized';
export { assertSucceeded, StepAssertionError } from './assert-succeeded';
export type { RecordedCall } from './endpoints/codepipeline';
export type { StoredObjectInfo } from './endpoints/s3';
export { templateForSnapshot, assetHashSerializer, appWithoutBundling, MASKED_ASSET_HASH } from './snapshot';
export type { CredentialLeak } from './credential-leaks';
export type { FailureReport } from './lambda-retries';
export type { FunctionError } from './runners/invoker';
export type { NodeRuntime } from './invoke-like-lambda';
export type { RunnerOptions } from './runtimes';
export type { PythonRuntimeClient } from './runners/python';
