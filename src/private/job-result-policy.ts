import { Annotations, aws_iam as iam, aws_lambda as lambda } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { TrackedPolicy } from './tracked-policy';

/**
 * Lets `fn` report the job's result, in a policy of the step's own on its role. CodePipeline's job
 * APIs accept no resource narrower than '*' (service authorization reference). Granted here, the
 * function can report even before (or without) a pipeline binding the action. Undefined, with a
 * warning, when the function has no role CDK may add to.
 */
export function grantJobResults(step: Construct, fn: lambda.IFunction): iam.Policy | undefined {
  const policy = new TrackedPolicy(step, 'JobResultPolicy', {
    statements: [new iam.PolicyStatement({
      actions: ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'],
      resources: ['*'],
    })],
  });
  fn.role?.attachInlinePolicy(policy);
  if (policy.isAttachedToRole) {
    // The function resource only: its role, a child of the construct, is what the policy attaches to.
    fn.node.defaultChild?.node.addDependency(policy);
    return policy;
  }
  Annotations.of(step).addWarningV2('cdk-lambda-invoke-step:cannotGrantJobResults',
    `The function ${fn.node.path} has ${fn.role ? `a role CDK may not change (${fn.role.node.path})` : 'no role CDK knows of'}: `
    + 'grant codepipeline:PutJobSuccessResult and codepipeline:PutJobFailureResult (resource *) to its execution role yourself, '
    + 'or the function cannot report the job\'s result and the action fails after 20 minutes.');
  return undefined;
}
