import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** One cdk-nag rule suppression, in the metadata format cdk-nag reads (`cdk_nag.rules_to_suppress`). */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /** The exact findings the suppression covers. */
  readonly applies_to?: string[];
}

/**
 * Records why a finding is expected, as resource metadata cdk-nag reads, without depending on
 * cdk-nag. Only ever called on resources the construct created and whose every statement it
 * added, so no suppression can hide a finding about a user's own statement. Suppressions already
 * on the resource are kept.
 */
export function suppressNagFindings(resource: IConstruct | undefined, suppressions: NagSuppression[]): void {
  if (!(resource instanceof CfnResource)) {
    return;
  }
  const existing: NagSuppression[] = resource.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...suppressions] });
}

/**
 * How cdk-nag names an IAM resource in a finding (`Resource::<name>`): the resolved value, with
 * `Fn::Join` parts joined, `Ref`s as `<Id>` and `Fn::GetAtt`s as `<Id.Attribute>`.
 */
export function nagResourceName(scope: IConstruct, value: string): string {
  const render = (node: any): string => {
    if (typeof node === 'string') {
      return node;
    }
    if (Array.isArray(node?.['Fn::Join'])) {
      const [delimiter, parts] = node['Fn::Join'];
      return parts.map(render).join(delimiter);
    }
    if (Array.isArray(node?.['Fn::GetAtt'])) {
      return `<${node['Fn::GetAtt'].map(render).join('.')}>`;
    }
    if (node?.Ref !== undefined) {
      return `<${render(node.Ref)}>`;
    }
    return JSON.stringify(node);
  };
  return render(Stack.of(scope).resolve(value));
}

/** The rule each cdk-nag pack that forbids inline policies reports one under. */
const NO_INLINE_POLICY_RULES = ['NIST.800.53.R5-IAMNoInlinePolicy', 'HIPAA.Security-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy'];

/**
 * Why a policy of the step's own is inline, for the packs that forbid inline policies: it holds
 * only the step's statements, so each pack's explanation on it covers nothing a user wrote, and it
 * lives and dies with the role it serves, attached to nothing else.
 */
export function explainOwnInlinePolicy(policy: IConstruct | undefined, holds: string): void {
  suppressNagFindings(policy, NO_INLINE_POLICY_RULES.map(id => ({
    id,
    reason: `cdk-lambda-invoke-step's own policy, holding only ${holds}: inline, so it serves this one role and is deleted with it. `
      + 'It holds none of a user\'s statements, which keep their findings.',
  })));
}
