import { CfnResource, Lazy, Stack, Token, aws_lambda as lambda } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { environmentHolder } from './lambda-function';

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

/**
 * Marks the step in its stack's manifest metadata (never in the template, so templates and their
 * snapshots stay as they are): a cloud assembly made by a CDK app in any language then says which
 * function each step runs, which the CLI reads.
 */
export function recordStepInAssembly(step: IConstruct, fn: lambda.IFunction, invokedFunctionName: string, failureReporter?: lambda.IFunction): void {
  const defined = environmentHolder(fn);
  const resource = defined?.node.defaultChild;
  const reporterResource = failureReporter?.node.defaultChild;
  const invoked = {
    invokedFunctionName: Lazy.any({ produce: () => Stack.of(step).resolve(invokedFunctionName) }),
    ...reporterResource instanceof CfnResource && {
      failureReporterLogicalId: Lazy.string({ produce: () => Stack.of(step).resolve(reporterResource.logicalId) }),
    },
  };
  const qualifier = qualifierOf(fn);
  const data: StepMetadata = defined && resource instanceof CfnResource
    ? {
      functionStack: Stack.of(defined).node.path,
      functionLogicalId: Lazy.string({ produce: () => Stack.of(defined).resolve(resource.logicalId) }),
      functionPath: defined.node.path,
      ...qualifier !== undefined && { qualifier },
      ...invoked,
    }
    : { functionPath: fn.node.path, imported: true, ...invoked };
  step.node.addMetadata(STEP_METADATA_TYPE, data);
}

/** The alias's name, or the version's number when synthesis knows it (a version's number is Lambda's to give). */
function qualifierOf(fn: lambda.IFunction): string | undefined {
  const qualifier = fn instanceof lambda.Alias ? fn.aliasName : fn instanceof lambda.Version ? fn.version : undefined;
  return qualifier === undefined || Token.isUnresolved(qualifier) ? undefined : qualifier;
}
