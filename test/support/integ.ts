import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import * as cdk from 'aws-cdk-lib';

type Validations = { of(scope: cdk.Stack): { acknowledge(...rules: Array<{ id: string; reason: string }>): void } };

/**
 * integ-tests-alpha adds a stack for deploy-time assertions, which these apps do not make: it is
 * empty, and aws-cdk-lib's template validation (2.262 and later) reports an empty template
 * (CloudFormation-Validate::F0001). Acknowledged on that stack only, through `Validations` where the
 * installed aws-cdk-lib has it (the floor predates it and validates nothing).
 */
export function acknowledgeEmptyAssertionStack(integ: IntegTest): void {
  const validations = (cdk as unknown as { Validations?: Validations }).Validations;
  const assertionStack = integ.node.findChild('DefaultTest').node.findChild('DeployAssert') as cdk.Stack;
  validations?.of(assertionStack).acknowledge({
    id: 'CloudFormation-Validate::F0001',
    reason: 'The integ-tests-alpha assertion stack is empty: this integration app makes no deploy-time assertions.',
  });
}
