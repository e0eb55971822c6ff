/**
 * What the CLI uses of the harness, in one place, so that the harness's modules can change behind
 * it. Nothing here loads the AWS SDK: `list` must work where the SDK is not installed, and `run`
 * loads the part that needs it on demand, through `loadStepRunner()`.
 */
import type * as Synthesized from './synthesized';

export { describeStep, runsLocally, stepsIn } from './assembly';
export type { StepInAssembly, SynthesizedStep } from './assembly';
export { pipelineVariablesIn } from './job-event';
export { describeSeconds } from './lambda-retries';
export type { ArtifactSource, StepRun, StepRunOptions } from './run-step';
export { RUNTIME_FAMILIES } from './runtimes';
export type { RunnerOptions } from './runtimes';
export { SDK_INSTALL_COMMAND, missingSdkPackages } from './sdk-packages';
export { StepRunError } from './step-run-error';

/** The runner of a synthesized step, loaded when a step runs (it needs the AWS SDK). */
export function loadStepRunner(): typeof Synthesized.runDescribedStep {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand: it loads the AWS SDK
  return (require('./synthesized') as typeof Synthesized).runDescribedStep;
}
