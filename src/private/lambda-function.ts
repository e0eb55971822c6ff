import { Annotations, CfnResource, Stack, Token, aws_lambda as lambda } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

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
 * Sets an environment variable the step's code reads, or, for a function this app cannot change,
 * warns on `step` that the user has to set it. `what` says what the variable carries.
 */
export function setStepEnvironment(step: IConstruct, fn: lambda.IFunction, name: string, value: string, what: string): void {
  const holder = environmentHolder(fn);
  if (holder) {
    holder.addEnvironment(name, value);
    return;
  }
  Annotations.of(step).addWarningV2(`cdk-lambda-invoke-step:cannotSetEnvironment:${name}`,
    `The function ${fn.node.path} is not a Function this app defines, so ${what} cannot reach its code: `
    + `set its environment variable ${name} to ${Stack.of(step).resolve(value)} yourself.`);
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

/** The name an action invokes: `<name>:<qualifier>` for a version or alias, the name alone for `$LATEST`. */
export function withQualifier(name: string, qualifier: string | undefined): string {
  return qualifier ? `${name}:${qualifier}` : name;
}

/** The name that invokes `fn`, with the qualifier of an imported ARN, which aws-cdk-lib's import drops from its name. */
export function invokedName(fn: lambda.IFunction): string {
  return withQualifier(fn.functionName, importedQualifier(fn));
}

/** Functions the step bundled without a name from the user: CloudFormation names them unless the step must. */
const unnamedByUser = new WeakSet<lambda.IFunction>();

export function markNamedByStep(fn: lambda.IFunction): void {
  unnamedByUser.add(fn);
}

/** Whether the step may give `fn` a fixed name (it made `fn`, and the user named it not). */
export function isNamedByStep(fn: lambda.IFunction): boolean {
  return unnamedByUser.has(fn);
}
