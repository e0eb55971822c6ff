import { pipelines } from 'aws-cdk-lib';
// aws-cdk-lib exports this path but names it internal: CDK Pipelines has no public way for a step
// to offer a variable that other steps read with ordering (CodeBuildStep.exportedVariable() uses
// this same class). If a release moves or changes StepOutput, LambdaInvokePipelinesStep.variable()
// stops compiling or resolving; the CDK Pipelines tests, which CI also runs against the newest
// aws-cdk-lib release, fail on it. This file is the only one that may import it.
import { StepOutput } from 'aws-cdk-lib/pipelines/lib/helpers-internal';

/** CodePipeline's name for the engine that resolves step outputs to `#{namespace.variable}`. */
const CODEPIPELINE_ENGINE = 'codepipeline';

/**
 * An expression that reads the output variable `name` of `step`'s action: CDK Pipelines orders a
 * step that uses it after `step`, and gives `step`'s action a namespace for it to resolve to.
 */
export function stepVariable(step: pipelines.Step, name: string): string {
  return new StepOutput(step, CODEPIPELINE_ENGINE, name).toString();
}
