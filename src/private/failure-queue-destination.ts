import { aws_iam as iam, aws_lambda as lambda, aws_sqs as sqs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { explainOwnInlinePolicy } from './nag';
import { TrackedPolicy } from './step-function';

/**
 * The step's own failure queue as a function's on-failure destination. aws-cdk-lib's
 * SqsDestination would grant sending in the role's default policy, where a user's statements go
 * too; this one writes the grant into a policy of the step's own (`FailureQueuePolicy`), which
 * the asynchronous invocation config waits for, as Lambda checks the permission when it is created.
 */
export class FailureQueueDestination implements lambda.IDestination {
  /** The policy holding the send permission, once bound; undefined when the function's role takes no policy. */
  public policy?: TrackedPolicy;

  constructor(private readonly owner: Construct, private readonly queue: sqs.IQueue) {}

  public bind(scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    if (!this.policy) {
      const policy = new TrackedPolicy(this.owner, 'FailureQueuePolicy', { statements: this.sendStatements() });
      fn.role?.attachInlinePolicy(policy);
      if (policy.isAttachedToRole) {
        this.policy = policy;
        explainOwnInlinePolicy(policy.node.defaultChild, 'the permission to send failed asynchronous events to the step\'s failure queue');
      }
    }
    if (this.policy) {
      scope.node.addDependency(this.policy);
    }
    return { destination: this.queue.queueArn };
  }

  /**
   * What sending needs: SQS's three actions, as `queue.grantSendMessages` grants them, and for a queue
   * with a KMS key the data key SQS makes and reads for each message on the sender's behalf.
   */
  private sendStatements(): iam.PolicyStatement[] {
    const key = this.queue.encryptionMasterKey;
    return [
      new iam.PolicyStatement({ actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], resources: [this.queue.queueArn] }),
      ...key ? [new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] })] : [],
    ];
  }
}
