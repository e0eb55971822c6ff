import * as cdk from 'aws-cdk-lib';
import { CfnResource, Stack, aws_iam as iam, aws_lambda as lambda } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** One cdk-nag rule suppression, in the metadata format cdk-nag 2 reads (`cdk_nag.rules_to_suppress`). */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /** The exact findings the suppression covers. */
  readonly applies_to?: string[];
}

/**
 * Records why a finding is expected where each cdk-nag major reads it, without depending on
 * cdk-nag: cdk-nag 2 reads the resource's `cdk_nag` metadata, cdk-nag 3 reads aws-cdk-lib's
 * acknowledgments. Only ever called on resources the construct created and whose every statement
 * it added, so no explanation can hide a finding about a user's own statement. Suppressions
 * already on the resource are kept.
 */
export function suppressNagFindings(resource: IConstruct | undefined, suppressions: NagSuppression[]): void {
  if (!(resource instanceof CfnResource)) {
    return;
  }
  const existing: NagSuppression[] = resource.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...suppressions] });
  acknowledgeFindings(resource, suppressions);
}

/** aws-cdk-lib's `Validations`, from 2.257 on; the floor (2.224) has none, so it is looked up rather than imported. */
interface ValidationsApi {
  of(scope: IConstruct): { acknowledge(...rules: Array<{ id: string; reason: string }>): void };
}

/**
 * The explanations as `Validations.of(resource).acknowledge(...)`, which cdk-nag 3 reads. cdk-nag 3
 * matches each finding by its full id (`AwsSolutions-IAM5[Resource::*]`), never a rule's bare id,
 * so a suppression limited to some findings becomes one acknowledgment per finding.
 *
 * aws-cdk-lib 2.257 to 2.269 refuse an id with `::` anywhere but after a plugin prefix, which the
 * findings on ARNs and wildcards hold (`Policy::arn:<AWS::Partition>:...`): those are left out there,
 * one by one, rather than failing the synthesis of every step (cdk-nag 2's metadata still has them).
 */
function acknowledgeFindings(resource: IConstruct, suppressions: NagSuppression[]): void {
  const validations: ValidationsApi | undefined = (cdk as { Validations?: ValidationsApi }).Validations;
  if (typeof validations?.of !== 'function') {
    return;
  }
  const acknowledgments = suppressions.flatMap(({ id, reason, applies_to }) =>
    (applies_to ? applies_to.map(finding => `${id}[${finding}]`) : [id]).map(findingId => ({ id: findingId, reason })));
  for (const acknowledgment of acknowledgments) {
    try {
      validations.of(resource).acknowledge(acknowledgment);
    } catch (error) {
      if (!String((error as Error)?.message).includes('\'::\' delimiter is reserved')) {
        throw error;
      }
    }
  }
}

/**
 * How cdk-nag names an IAM resource in a finding (`Resource::<name>`): the resolved value, with
 * `Fn::Join` parts joined, `Ref`s as `<Id>` and `Fn::GetAtt`s as `<Id.Attribute>`.
 */
function nagResourceName(scope: IConstruct, value: string): string {
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

/** Why the statements an action of the step writes into the policy of the role that runs it use wildcards. */
export function explainActionRolePolicy(policy: IConstruct, invokedArns: string, artifactObjectsArn: string | undefined): void {
  const resource = policy.node.defaultChild;
  suppressNagFindings(resource, [
    {
      id: 'AwsSolutions-IAM5',
      reason: 'lambda:ListFunctions has no resource-level permissions, so CodePipeline\'s invoke action needs it on *; '
        + 'lambda:InvokeFunction on <function>:* (its versions and aliases) is how aws-cdk-lib grants invoking the step\'s function.',
      applies_to: ['Resource::*', `Resource::${nagResourceName(policy, invokedArns)}`],
    },
    ...(artifactObjectsArn ? [{
      id: 'AwsSolutions-IAM5',
      reason: 'The action grants the role running it read and write on the pipeline\'s artifact bucket (and its key) for the action\'s artifacts, '
        + 'through aws-cdk-lib\'s bucket grants; the wildcards are scoped to that bucket.',
      applies_to: [
        'Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', 'Action::s3:DeleteObject*', 'Action::s3:Abort*',
        'Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*', `Resource::${nagResourceName(policy, artifactObjectsArn)}`,
      ],
    }] : []),
  ]);
  explainOwnInlinePolicy(resource, 'the permissions the role running the action needs to invoke the step\'s function and pass it the artifacts');
}

/** What of a step's own resources cdk-nag reports by design, and which options change that. */
export interface StepResources {
  /** The function the step made from `entry`. */
  readonly nodejsFunction?: lambda.Function;
  readonly jobResultPolicy?: IConstruct;
  readonly failureQueue?: IConstruct;
  readonly inVpc: boolean;
  readonly failureDestinationEnabled: boolean;
  readonly failureQueueHasDeadLetterQueue: boolean;
}

/** Records why the findings on resources the step created are expected. */
export function explainStepFindings(step: StepResources): void {
  const role = step.nodejsFunction?.role;
  if (role instanceof iam.Role && role.node.scope === step.nodejsFunction) {
    suppressNagFindings(role.node.defaultChild, [{
      id: 'AwsSolutions-IAM4',
      reason: 'AWSLambdaBasicExecutionRole allows only creating log streams and writing log events, which the function needs to log.',
      applies_to: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    }, ...step.inVpc ? [{
      id: 'AwsSolutions-IAM4',
      reason: 'AWSLambdaVPCAccessExecutionRole allows only managing the network interfaces through which a function in a VPC reaches its subnets, which Lambda needs to run it there.',
      applies_to: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'],
    }] : []]);
  }
  suppressNagFindings(step.jobResultPolicy?.node.defaultChild, [{
    id: 'AwsSolutions-IAM5',
    reason: 'codepipeline:PutJobSuccessResult and codepipeline:PutJobFailureResult have no resource-level permissions: CodePipeline requires *.',
    applies_to: ['Resource::*'],
  }]);
  explainOwnInlinePolicy(step.jobResultPolicy?.node.defaultChild, 'the permission to report the job\'s result');
  const deadLetterStore = 'This queue is the function\'s on-failure destination, the dead-letter store for its asynchronous events; '
    + 'a queue behind it would only move the problem (set `failureQueueDeadLetterQueue` for one all the same).';
  suppressNagFindings(step.failureQueue?.node.defaultChild, [
    { id: 'AwsSolutions-SQS3', reason: deadLetterStore },
    ...step.failureQueueHasDeadLetterQueue ? [] : [{ id: 'Serverless-SQSRedrivePolicy', reason: deadLetterStore }],
  ]);
  if (step.nodejsFunction && step.failureDestinationEnabled) {
    const reason = 'The function\'s failed asynchronous invocations go to an on-failure destination (its EventInvokeConfig), which Lambda '
      + 'recommends over a dead-letter queue: it keeps the whole event, the error and the number of attempts.';
    suppressNagFindings(step.nodejsFunction.node.defaultChild,
      ['Serverless-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'].map(id => ({ id, reason })));
  }
}
