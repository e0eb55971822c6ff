import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack, Token, aws_lambda_nodejs as nodejs } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { StepValidationError } from './errors';
import {
  ACTION_NAME_PATTERN,
  DECLARED_OUTPUT_VARIABLES_ENV,
  MAX_ARTIFACTS,
  MAX_CONFIGURATION_VALUE_LENGTH,
  NAMESPACE_PATTERN,
  OUTPUT_VARIABLE_NAME_PATTERN,
} from './limits';
import { isDefinedInApp } from './step-function';
import { renderUserParameters } from './user-parameters';
import type { LambdaInvokeStepProps } from '../lambda-invoke-step';

/** Every check of the construct layer; not part of the jsii API. */

/** A rule applied to a resolved value: the problem, or undefined when the value obeys it. */
type Rule = (resolved: unknown) => string | undefined;

/** An error about one construct, named by its path first, as aws-cdk-lib's validation messages name theirs. */
export function errorAt(scope: IConstruct, message: string): Error {
  return new StepValidationError(message, scope);
}

/**
 * Applies `rule` to `value` now when the value is known; when it holds tokens, when the app is
 * synthesized, so a `Lazy` value is read once it is ready. What stays a deploy-time value
 * (a `Ref`, an attribute) is left to the rule, which checks only what is known of it.
 */
export function checkWhenResolved(scope: IConstruct, value: unknown, rule: Rule): void {
  if (!Token.isUnresolved(value)) {
    const problem = rule(value);
    if (problem) {
      throw errorAt(scope, problem);
    }
    return;
  }
  scope.node.addValidation({
    validate: () => {
      const problem = rule(Stack.of(scope).resolve(value));
      return problem ? [problem] : [];
    },
  });
}

export function patternRule(prop: string, pattern: RegExp, hint = ''): Rule {
  return resolved => typeof resolved === 'string' && !pattern.test(resolved)
    ? `\`${prop}\` must match ${pattern.source}${hint}, got '${resolved}'`
    : undefined;
}

function integerRule(prop: string, min: number, max: number, source = ''): Rule {
  return resolved => resolved === undefined || (Number.isInteger(resolved) && (resolved as number) >= min && (resolved as number) <= max)
    ? undefined
    : `\`${prop}\` must be an integer from ${min} to ${max}${source}, got ${resolved}`;
}

/** CodePipeline's 1 to 1000 characters for an action configuration value such as UserParameters. */
export function configurationValueRule(prop: string, subject = ''): Rule {
  return resolved => {
    const length = knownLength(resolved);
    if (length > MAX_CONFIGURATION_VALUE_LENGTH) {
      return `${subject}\`${prop}\` must be at most ${MAX_CONFIGURATION_VALUE_LENGTH} characters once resolved (CodePipeline action configuration value), got ${length}`;
    }
    return resolved === '' ? `${subject}\`${prop}\` must be at least 1 character (CodePipeline action configuration value), got an empty string` : undefined;
  };
}

/**
 * The number of characters of a resolved value known at synthesis: all of a string, the literal
 * parts of an `Fn::Join` that embeds deploy-time values (those can only add to it).
 */
function knownLength(resolved: unknown): number {
  if (typeof resolved === 'string') {
    return resolved.length;
  }
  const join = (resolved as { 'Fn::Join'?: unknown } | undefined)?.['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) {
    const parts: unknown[] = join[1];
    const delimiters = String(join[0]).length * Math.max(parts.length - 1, 0);
    return parts.reduce<number>((sum, part) => sum + knownLength(part), delimiters);
  }
  return 0;
}

export interface UserParametersProps {
  readonly userParameters?: { [key: string]: any };
  readonly userParametersString?: string;
}

/** The two user-parameter props: not both, and the value CodePipeline receives within its limits. */
export function checkUserParameters(scope: IConstruct, props: UserParametersProps, subject = ''): void {
  checkOneKindOfUserParameters(scope, props, subject);
  checkUserParametersLength(scope, props, subject);
}

export function checkOneKindOfUserParameters(scope: IConstruct, props: UserParametersProps, subject = ''): void {
  if (props.userParameters !== undefined && props.userParametersString !== undefined) {
    throw errorAt(scope, `${subject}\`userParameters\` and \`userParametersString\` are mutually exclusive: set one of them, got both`);
  }
}

/** The UserParameters value CodePipeline receives: 1 to 1000 characters, checked once its tokens resolve. */
export function checkUserParametersLength(scope: IConstruct, props: UserParametersProps, subject = ''): void {
  const prop = props.userParameters !== undefined ? 'userParameters' : 'userParametersString';
  // A literal object is rendered as JSON.stringify renders it, so its length is known now, where
  // the stack trace still leads to the user's code; with tokens inside, only at synthesis.
  const rendered = isLiteral(props.userParameters)
    ? JSON.stringify(props.userParameters)
    : renderUserParameters(scope, props.userParameters, props.userParametersString);
  if (rendered !== undefined) {
    // Counted as written: CodePipeline checks the configuration before it substitutes variables.
    checkWhenResolved(scope, rendered, configurationValueRule(prop, subject));
  }
}

/** Whether a value is plain JSON data without tokens (strings, numbers, booleans, null, arrays, plain objects). */
function isLiteral(value: unknown): boolean {
  if (value === null || typeof value === 'boolean' || typeof value === 'string' || typeof value === 'number') {
    return !Token.isUnresolved(value);
  }
  if (Array.isArray(value)) {
    return value.every(isLiteral);
  }
  return typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
    && Object.entries(value).every(([key, item]) => !Token.isUnresolved(key) && (item === undefined || isLiteral(item)));
}

export function checkArtifactCount(scope: IConstruct, prop: string, artifacts: readonly unknown[] | undefined, subject = ''): void {
  if (artifacts && artifacts.length > MAX_ARTIFACTS) {
    throw errorAt(scope, `${subject}\`${prop}\` accepts at most ${MAX_ARTIFACTS} artifacts for a Lambda invoke action, got ${artifacts.length}`);
  }
}

export function checkOutputVariableName(scope: IConstruct, prop: string, name: string): void {
  checkWhenResolved(scope, name, patternRule(prop, OUTPUT_VARIABLE_NAME_PATTERN));
}

const ENTRY_EXTENSION = /\.(jsx?|tsx?|mjs|cjs|mts|cts)$/;

/** Everything `LambdaInvokeStep` is given, checked before anything is created. */
export function checkLambdaInvokeStepProps(scope: IConstruct, props: LambdaInvokeStepProps): void {
  const id = scope.node.id;
  checkFunctionSource(scope, props);
  checkArtifactCount(scope, 'inputs', props.inputs);
  checkArtifactCount(scope, 'outputs', props.outputs);
  checkUserParameters(scope, props);
  checkWhenResolved(scope, props.actionName ?? id, patternRule('actionName', ACTION_NAME_PATTERN,
    props.actionName === undefined ? ' (defaulted from the construct id: set `actionName`)' : ''));
  if (props.variablesNamespace !== undefined) {
    checkWhenResolved(scope, props.variablesNamespace, patternRule('variablesNamespace', NAMESPACE_PATTERN));
  }
  checkWhenResolved(scope, props.runOrder, integerRule('runOrder', 1, 999));
  checkOutputVariables(scope, props.outputVariables);
  checkFunctionProps(scope, props.functionProps);
  checkFailureDestination(scope, props);
  checkAsyncInvokeConfig(scope, props);
}

function checkFunctionSource(scope: IConstruct, props: LambdaInvokeStepProps) {
  const hasEntry = props.entry !== undefined;
  const hasExisting = props.existingFunction !== undefined;
  if (hasEntry === hasExisting) {
    throw errorAt(scope, `exactly one of \`entry\` (code to bundle) and \`existingFunction\` (a function you have) must be set, got ${hasEntry ? 'both' : 'neither'}`);
  }
  if (hasEntry) {
    checkEntry(scope, props.entry!);
    if (props.configureAsyncInvoke !== undefined) {
      throw errorAt(scope, `\`configureAsyncInvoke\` applies to \`existingFunction\` only (the function made from \`entry\` is always configured), got ${props.configureAsyncInvoke}`);
    }
    return;
  }
  if (props.functionProps !== undefined) {
    throw errorAt(scope, '`functionProps` configures the function made from `entry`: with `existingFunction`, configure that function where it is defined, '
      + `got functionProps (${Object.keys(props.functionProps).join(', ') || 'empty'})`);
  }
  if (props.configureAsyncInvoke === false || (props.configureAsyncInvoke === undefined && !isDefinedInApp(props.existingFunction!))) {
    const asyncProps = (['failureDestination', 'failureDestinationEnabled', 'failureQueueRetentionPeriod', 'failureQueueEncryptionKey', 'failureQueueDeadLetterQueue',
      'retryAttempts', 'maxEventAge'] as const)
      .filter(key => props[key] !== undefined);
    if (asyncProps.length > 0) {
      const why = props.configureAsyncInvoke === false ? '`configureAsyncInvoke` is false' : 'the function is imported (set `configureAsyncInvoke: true` to replace its config)';
      throw errorAt(scope, `\`${asyncProps.join('`, `')}\` configure the function's asynchronous invocation, which the step leaves alone because ${why}: remove them`);
    }
  }
}

function checkEntry(scope: IConstruct, entry: string) {
  if (!ENTRY_EXTENSION.test(entry)) {
    throw errorAt(scope, `\`entry\` must be a JavaScript or TypeScript file (.js, .ts, .mjs, .cjs, .mts, .cts, .jsx, .tsx), got '${entry}'`);
  }
  if (!fs.existsSync(entry) || !fs.statSync(entry).isFile()) {
    const where = path.isAbsolute(entry)
      ? missingFileHint(entry)
      // A relative entry depends on where `cdk synth` runs, which is the usual cause.
      : `resolved from the working directory to '${path.resolve(entry)}'; build it from the defining file's directory: path.join(__dirname, ...)`;
    throw errorAt(scope, `\`entry\` must be an existing file, got '${entry}' (${where})`);
  }
}

/** What exists near a missing absolute path: the code files of its directory, or the deepest directory that exists. */
function missingFileHint(file: string): string {
  const directory = path.dirname(file);
  if (fs.existsSync(directory) && fs.statSync(directory).isDirectory()) {
    const candidates = fs.readdirSync(directory).filter(name => ENTRY_EXTENSION.test(name)).sort();
    return candidates.length === 0
      ? `${directory} holds no .js or .ts file`
      : `${directory} holds ${candidates.slice(0, 5).join(', ')}${candidates.length > 5 ? `, and ${candidates.length - 5} more` : ''}`;
  }
  let existing = directory;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) {
    existing = path.dirname(existing);
  }
  return `there is no directory ${directory}; the nearest that exists is ${existing}`;
}

function checkOutputVariables(scope: IConstruct, names: string[] | undefined) {
  const seen = new Set<string>();
  for (const name of names ?? []) {
    checkOutputVariableName(scope, 'outputVariables', name);
    if (seen.has(name)) {
      throw errorAt(scope, `\`outputVariables\` must not repeat a name, got '${name}' twice`);
    }
    seen.add(name);
  }
}

function checkFunctionProps(scope: IConstruct, functionProps: nodejs.NodejsFunctionProps | undefined) {
  const owned: Array<[keyof nodejs.NodejsFunctionProps, string]> = [
    ['entry', '`entry`'],
    ['code', '`entry`'],
    ['onFailure', '`failureDestination`'],
    ['retryAttempts', '`retryAttempts`'],
    ['maxEventAge', '`maxEventAge`'],
  ];
  for (const [key, replacement] of owned) {
    if (functionProps?.[key] !== undefined) {
      throw errorAt(scope, `\`functionProps.${key}\` is owned by LambdaInvokeStep: use ${replacement} instead, got a value for \`functionProps.${key}\``);
    }
  }
  const environment = functionProps?.environment;
  if (environment && DECLARED_OUTPUT_VARIABLES_ENV in environment) {
    throw errorAt(scope, `\`functionProps.environment\` must not set ${DECLARED_OUTPUT_VARIABLES_ENV}: it is set from \`outputVariables\`, got '${environment[DECLARED_OUTPUT_VARIABLES_ENV]}'`);
  }
}

function checkFailureDestination(scope: IConstruct, props: LambdaInvokeStepProps) {
  const enabled = props.failureDestinationEnabled ?? true;
  if (!enabled && props.failureDestination) {
    throw errorAt(scope, '`failureDestination` cannot be set when `failureDestinationEnabled` is false: remove one of them, got both');
  }
  const queueOptions = (['failureQueueRetentionPeriod', 'failureQueueEncryptionKey', 'failureQueueDeadLetterQueue'] as const).filter(key => props[key] !== undefined);
  if (queueOptions.length > 0 && (props.failureDestination || !enabled)) {
    const reason = props.failureDestination ? '`failureDestination` is given' : '`failureDestinationEnabled` is false';
    throw errorAt(scope, `\`${queueOptions.join('`, `')}\` configure the default failure queue, which is not created because ${reason}: remove them`);
  }
  checkSecondsRange(scope, 'failureQueueRetentionPeriod', props.failureQueueRetentionPeriod, 60, Duration.days(14).toSeconds());
}

function checkAsyncInvokeConfig(scope: IConstruct, props: LambdaInvokeStepProps) {
  checkWhenResolved(scope, props.retryAttempts, integerRule('retryAttempts', 0, 2, ' (Lambda asynchronous invocation)'));
  checkSecondsRange(scope, 'maxEventAge', props.maxEventAge, 60, Duration.hours(6).toSeconds());
}

function checkSecondsRange(scope: IConstruct, prop: string, duration: Duration | undefined, min: number, max: number) {
  if (!duration || duration.isUnresolved()) {
    return;
  }
  const seconds = duration.toSeconds({ integral: false });
  if (seconds < min || seconds > max) {
    throw errorAt(scope, `\`${prop}\` must be from ${min} to ${max} seconds, got ${seconds} seconds (${duration.toHumanString()})`);
  }
}
