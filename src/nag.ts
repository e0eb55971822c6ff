import { CfnResource, Stack, aws_codepipeline as codepipeline, aws_codepipeline_actions as codepipeline_actions, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** One cdk-nag rule suppression, in the metadata format cdk-nag reads (`cdk_nag.rules_to_suppress`). */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /** Findings the suppression covers: exact strings, or `{ regex: '/.../' }`. */
  readonly applies_to?: Array<string | { regex: string }>;
}

/**
 * Records why a finding is expected, as resource metadata cdk-nag reads, without depending on
 * cdk-nag. Suppressions already on the resource (the user's own) are kept.
 */
export function suppressNagFindings(resource: CfnResource | undefined, suppressions: NagSuppression[]) {
  if (!resource) {
    return;
  }
  const existing: NagSuppression[] = resource.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...suppressions] });
}

/** The CloudFormation policy of a role's default policy, once statements were added to it. */
export function defaultPolicyOf(role: iam.IRole | undefined): CfnResource | undefined {
  const policy = role?.node.tryFindChild('DefaultPolicy');
  return policy?.node.defaultChild instanceof CfnResource ? policy.node.defaultChild : undefined;
}

/**
 * A LambdaInvokeAction that, once bound, records on the policy of the role that runs it why the
 * wildcards it needs are there.
 */
export class ExplainedLambdaInvokeAction extends codepipeline_actions.LambdaInvokeAction {
  private readonly functionScope: Construct;

  constructor(props: codepipeline_actions.LambdaInvokeActionProps) {
    super(props);
    this.functionScope = props.lambda;
  }

  protected bound(scope: Construct, stage: codepipeline.IStage, options: codepipeline.ActionBindOptions): codepipeline.ActionConfig {
    const config = super.bound(scope, stage, options);
    const functionResource = this.functionScope.node.defaultChild as CfnResource;
    const functionLogicalId = Stack.of(functionResource).getLogicalId(functionResource);
    suppressNagFindings(defaultPolicyOf(options.role), [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'lambda:ListFunctions has no resource-level permissions, so CodePipeline\'s invoke action needs it on *; '
          + 'lambda:InvokeFunction on <function>:* (its versions and aliases) is how aws-cdk-lib grants invoking the step\'s function.',
        applies_to: ['Resource::*', `Resource::<${functionLogicalId}.Arn>:*`],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'aws-cdk-lib\'s LambdaInvokeAction grants the action role read and write on the pipeline\'s own artifact bucket '
          + '(and its key) for the action\'s artifacts; the wildcards are scoped to that bucket.',
        applies_to: [
          'Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', 'Action::s3:DeleteObject*', 'Action::s3:Abort*',
          'Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*', { regex: '/^Resource::<.*ArtifactsBucket.*\\.Arn>\\/\\*$/' },
        ],
      },
    ]);
    return config;
  }
}
