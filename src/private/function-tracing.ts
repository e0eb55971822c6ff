import { aws_iam as iam, aws_lambda as lambda } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { explainOwnInlinePolicy, suppressNagFindings } from './nag';
import { TrackedPolicy } from './tracked-policy';

/**
 * Turns on X-Ray tracing for a function the step made, as `tracing` in its props would, with the
 * permission in a policy of the step's own (`TracingPolicy`) instead of the role's default policy,
 * where a user's statements go too. X-Ray's PutTraceSegments and PutTelemetryRecords take no
 * resource narrower than `*`, and cdk-nag's explanation of that belongs on exactly that statement.
 */
export function traceFunction(owner: Construct, fn: lambda.Function, tracing: lambda.Tracing): void {
  if (tracing === lambda.Tracing.DISABLED) {
    return;
  }
  (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: tracing };
  const policy = new TrackedPolicy(owner, 'TracingPolicy', {
    statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
  });
  fn.role?.attachInlinePolicy(policy);
  if (!policy.isAttachedToRole) {
    return;
  }
  fn.node.defaultChild!.node.addDependency(policy);
  suppressNagFindings(policy.node.defaultChild, [{
    id: 'AwsSolutions-IAM5',
    reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions: X-Ray requires *.',
    applies_to: ['Resource::*'],
  }]);
  explainOwnInlinePolicy(policy.node.defaultChild, 'the X-Ray permissions tracing needs');
}
