/*
 * What the construct records of each step in the cloud assembly, and the harness and the CLI read:
 * a wire format between them, as wire-format.ts is between the construct and the function. A
 * cloud assembly made by an older or newer release of the construct must still read, so change it
 * by adding optional fields.
 */

/** The metadata type that marks a LambdaInvokeStep in the cloud assembly (manifest.json), for local runs of any CDK language. */
export const STEP_METADATA_TYPE = 'cdk-lambda-invoke-step:step';

/** What the cloud assembly records of a step: where its function's resource is, or that the function is imported. */
export interface StepMetadata {
  /** The construct path of the function's stack (its artifact's hierarchical id). */
  readonly functionStack?: string;
  readonly functionLogicalId?: string;
  /** The function's construct path. */
  readonly functionPath: string;
  /** Set when the function is imported, so its code is not in the assembly. */
  readonly imported?: boolean;
  /** The alias or version the action invokes (`live` of `<name>:live`), when it is known at synthesis. */
  readonly qualifier?: string;
  /** The action's FunctionName as the step's own stack renders it, by which its action is found in that stack. */
  readonly invokedFunctionName?: unknown;
  /**
   * The step's failure reporter's logical id in the step's stack, when it has one. A local run reads the
   * function's asynchronous invocation config from the template; this says which destination is the reporter.
   */
  readonly failureReporterLogicalId?: string;
}
