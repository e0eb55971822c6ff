import { aws_iam as iam } from 'aws-cdk-lib';

/**
 * A policy holding the step's own statements for a role. It records whether the role took it: an
 * immutable role, or one imported from another account, accepts `attachInlinePolicy` and does nothing.
 */
export class TrackedPolicy extends iam.Policy {
  private attachedToRole = false;

  public get isAttachedToRole(): boolean {
    return this.attachedToRole;
  }

  public attachToRole(role: iam.IRole): void {
    this.attachedToRole = true;
    super.attachToRole(role);
  }
}
