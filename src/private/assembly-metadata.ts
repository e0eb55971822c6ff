import { CfnResource, Lazy, Stack, Token, aws_lambda as lambda } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { environmentHolder } from './lambda-function';
import { STEP_METADATA_TYPE, StepMetadata } from '../common/step-metadata';

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
