import { Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { MAX_ARTIFACTS, MAX_CONFIGURATION_VALUE_LENGTH } from './limits';

/** Checks shared by LambdaInvokeStep and LambdaInvokePipelinesStep; not part of the jsii API. */

export interface UserParametersProps {
  readonly userParameters?: { [key: string]: any };
  readonly userParametersString?: string;
}

export function checkArtifactCount(prop: string, artifacts: readonly unknown[] | undefined) {
  if (artifacts && artifacts.length > MAX_ARTIFACTS) {
    throw new Error(`\`${prop}\` accepts at most ${MAX_ARTIFACTS} artifacts for a Lambda invoke action, got ${artifacts.length}`);
  }
}

export function checkUserParameters(scope: Construct, props: UserParametersProps) {
  if (props.userParameters !== undefined && props.userParametersString !== undefined) {
    throw new Error('`userParameters` and `userParametersString` are mutually exclusive: set one of them, got both');
  }
  const [prop, encoded] = props.userParametersString !== undefined
    ? ['userParametersString', props.userParametersString]
    : ['userParameters', props.userParameters && Stack.of(scope).toJsonString(props.userParameters)];
  if (encoded === undefined) {
    return;
  }
  const length = knownLength(scope, encoded);
  if (length > MAX_CONFIGURATION_VALUE_LENGTH) {
    throw new Error(`\`${prop}\` must be at most ${MAX_CONFIGURATION_VALUE_LENGTH} characters once resolved (CodePipeline action configuration value), got ${length}`);
  }
  if (length === 0 && !Token.isUnresolved(encoded)) {
    throw new Error(`\`${prop}\` must be at least 1 character (CodePipeline action configuration value), got an empty string`);
  }
}

/**
 * The number of characters of `value` known at synth time: all of it for a plain string,
 * the literal parts of a string that embeds tokens (the tokens can only add to it).
 */
export function knownLength(scope: Construct, value: string): number {
  const resolved = Stack.of(scope).resolve(value);
  if (typeof resolved === 'string') {
    return resolved.length;
  }
  const join = resolved?.['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) {
    const parts: unknown[] = join[1];
    const literals = parts.filter((part): part is string => typeof part === 'string');
    const delimiters = String(join[0]).length * Math.max(parts.length - 1, 0);
    return literals.reduce((sum, part) => sum + part.length, delimiters);
  }
  return 0;
}

export function checkPattern(prop: string, value: string, pattern: RegExp, hint = '') {
  if (!Token.isUnresolved(value) && !pattern.test(value)) {
    throw new Error(`\`${prop}\` must match ${pattern.source}${hint}, got '${value}'`);
  }
}

