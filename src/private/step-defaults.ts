import { isDefinedInApp } from './lambda-function';
import type { LambdaInvokeStepProps } from '../lambda-invoke-step-props';

// The defaults of the step's props that more than one place reads, each written once.

/** `failureDestinationEnabled`: failed invocations that nothing could report go to a destination (default true). */
export function failureDestinationEnabled(props: LambdaInvokeStepProps): boolean {
  return props.failureDestinationEnabled ?? true;
}

/**
 * `configureAsyncInvoke`: whether the step sets the function's asynchronous invocation config. It
 * always does for the function it makes from `entry`; for `existingFunction`, by default when the
 * app defines the function, not when it is imported.
 */
export function configuresAsyncInvoke(props: LambdaInvokeStepProps): boolean {
  return props.configureAsyncInvoke ?? (props.existingFunction ? isDefinedInApp(props.existingFunction) : true);
}
