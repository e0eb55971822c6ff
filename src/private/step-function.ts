import { CfnResource, Token, aws_iam as iam, aws_lambda as lambda } from 'aws-cdk-lib';

/** Whether `fn` is a resource this app defines (a Function, Alias or Version), which the construct may configure. */
export function isDefinedInApp(fn: lambda.IFunction): boolean {
  return fn.node.defaultChild instanceof CfnResource;
}

/**
 * The Function whose environment reaches `fn`'s code: `fn` itself, or the function behind an alias
 * or version this app defines. Undefined for an imported function, whose environment CDK cannot set.
 */
export function environmentHolder(fn: lambda.IFunction): lambda.Function | undefined {
  if (fn instanceof lambda.Function) {
    return fn;
  }
  if (fn instanceof lambda.Alias) {
    return environmentHolder(fn.version);
  }
  if (fn instanceof lambda.Version) {
    return environmentHolder(fn.lambda);
  }
  return undefined;
}

/**
 * The qualifier (alias or version) an imported function's ARN ends with:
 * `arn:<partition>:lambda:<region>:<account>:function:<name>:<qualifier>`. aws-cdk-lib's import
 * keeps only `<name>` as the function's name, which would invoke `$LATEST` instead.
 */
export function importedQualifier(fn: lambda.IFunction): string | undefined {
  if (isDefinedInApp(fn) || Token.isUnresolved(fn.functionArn)) {
    return undefined;
  }
  return fn.functionArn.split(':')[7];
}

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
