import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { errorAt } from './errors';
import { configuresAsyncInvoke, failureDestinationEnabled } from './step-defaults';
import type { RenderedUserParameters, UserParametersProps } from './user-parameters';
import { LIMITS, NamePattern, Range } from '../common/limits';
import { DECLARED_OUTPUT_VARIABLES_ENV } from '../common/wire-format';
import type { LambdaInvokeStepProps } from '../lambda-invoke-step-props';

/**
 * Every check of the construct layer. A prop limited by CodePipeline or Lambda is checked by one
 * line of PROP_RULES, which reads the limit from LIMITS; checks that relate props to each other
 * follow it as functions.
 */

/** A rule applied to a resolved value: the problem, or undefined when the value obeys it. */
type Rule = (prop: string, resolved: unknown) => string | undefined;

/** One prop's value checked against one limit. */
interface PropRule {
  readonly prop: keyof LambdaInvokeStepProps;
  readonly rule: Rule;
  /** The value checked when the prop is not set, and what the message adds then. */
  readonly whenUnset?: { readonly value: (step: IConstruct) => unknown; readonly hint: string };
}

const PROP_RULES: readonly PropRule[] = [
  { prop: 'inputs', rule: countWithin(LIMITS.artifacts) },
  { prop: 'outputs', rule: countWithin(LIMITS.artifacts) },
  {
    prop: 'actionName',
    rule: matching(LIMITS.actionName),
    whenUnset: { value: step => step.node.id, hint: 'defaulted from the construct id: set `actionName`' },
  },
  { prop: 'variablesNamespace', rule: matching(LIMITS.variablesNamespace) },
  { prop: 'runOrder', rule: integerWithin(LIMITS.runOrder) },
  { prop: 'retryAttempts', rule: integerWithin(LIMITS.retryAttempts) },
  { prop: 'maxEventAge', rule: secondsWithin(LIMITS.maxEventAgeSeconds) },
  { prop: 'failureQueueRetentionPeriod', rule: secondsWithin(LIMITS.failureQueueRetentionSeconds) },
];

/** The props that configure the default failure queue. */
const FAILURE_QUEUE_PROPS = ['failureQueueRetentionPeriod', 'failureQueueEncryptionKey', 'failureQueueDeadLetterQueue'] as const;

/** The props that configure the function's asynchronous invocation. */
const ASYNC_INVOKE_PROPS = ['failureReporterEnabled', 'failureDestination', 'failureDestinationEnabled', ...FAILURE_QUEUE_PROPS, 'retryAttempts', 'maxEventAge'] as const;

/** NodejsFunctionProps the step sets itself, with the prop to use instead. */
const OWNED_FUNCTION_PROPS = {
  entry: 'entry',
  code: 'entry',
  onFailure: 'failureDestination',
  retryAttempts: 'retryAttempts',
  maxEventAge: 'maxEventAge',
} as const;

/** Everything `LambdaInvokeStep` is given, checked before anything is created. */
export function checkLambdaInvokeStepProps(step: IConstruct, props: LambdaInvokeStepProps): void {
  checkFunctionSource(step, props);
  for (const { prop, rule, whenUnset } of PROP_RULES) {
    const value = props[prop] ?? whenUnset?.value(step);
    const hinted: Rule = props[prop] === undefined && whenUnset ? (name, resolved) => withHint(rule(name, resolved), whenUnset.hint) : rule;
    checkWhenResolved(step, value, resolved => hinted(prop, resolved));
  }
  checkOneKindOfUserParameters(step, props);
  checkOutputVariables(step, props.outputVariables);
  checkFunctionProps(step, props);
  checkFailureDestination(step, props);
}

/**
 * Applies `rule` to `value` now when the value is known; when it holds tokens, when the app is
 * synthesized, so a `Lazy` value is read once it is ready. What stays a deploy-time value
 * (a `Ref`, an attribute) is left to the rule, which checks only what is known of it.
 */
function checkWhenResolved(scope: IConstruct, value: unknown, rule: (resolved: unknown) => string | undefined): void {
  if (value === undefined) {
    return;
  }
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

/** The message with `hint` added to the parenthesis that names the limit's source. */
function withHint(problem: string | undefined, hint: string): string | undefined {
  return problem?.replace(/\), got /, `; ${hint}), got `);
}

function matching(limit: NamePattern): Rule {
  return (prop, resolved) => typeof resolved === 'string' && !limit.pattern.test(resolved)
    ? `\`${prop}\` must match ${limit.pattern.source} (${limit.source}), got '${resolved}'`
    : undefined;
}

function integerWithin(limit: Range): Rule {
  return (prop, resolved) => Number.isInteger(resolved) && (resolved as number) >= limit.min && (resolved as number) <= limit.max
    ? undefined
    : `\`${prop}\` must be an integer from ${limit.min} to ${limit.max} (${limit.source}), got ${resolved}`;
}

function countWithin(limit: Range): Rule {
  return (prop, resolved) => Array.isArray(resolved) && resolved.length > limit.max
    ? `\`${prop}\` accepts at most ${limit.max} artifacts (${limit.source}), got ${resolved.length}`
    : undefined;
}

function secondsWithin(limit: Range): Rule {
  return (prop, resolved) => {
    if (!(resolved instanceof Duration) || resolved.isUnresolved()) {
      return undefined;
    }
    const seconds = resolved.toSeconds({ integral: false });
    return seconds < limit.min || seconds > limit.max
      ? `\`${prop}\` must be from ${limit.min} to ${limit.max} seconds (${limit.source}), got ${seconds} seconds (${resolved.toHumanString()})`
      : undefined;
  };
}

/** CodePipeline's limits on an action configuration value such as UserParameters. */
function configurationValueRule(subject: string): Rule {
  const limit = LIMITS.configurationValue;
  return (prop, resolved) => {
    const length = knownLength(resolved);
    if (length > limit.max) {
      return `${subject}\`${prop}\` must be at most ${limit.max} characters once resolved (${limit.source}), got ${length}`;
    }
    return resolved === '' ? `${subject}\`${prop}\` must be at least ${limit.min} character (${limit.source}), got an empty string` : undefined;
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

export function checkOneKindOfUserParameters(scope: IConstruct, props: UserParametersProps, subject = ''): void {
  if (props.userParameters !== undefined && props.userParametersString !== undefined) {
    throw errorAt(scope, `${subject}\`userParameters\` and \`userParametersString\` are mutually exclusive: set one of them, got both`);
  }
}

/**
 * The UserParameters value CodePipeline receives: 1 to 1000 characters counted as written
 * (CodePipeline checks the configuration before it substitutes variables). A literal value is
 * checked now, where the stack trace still leads to the user's code; one with tokens at synthesis.
 */
export function checkUserParametersLength(scope: IConstruct, rendered: RenderedUserParameters, subject = ''): void {
  const value = rendered.isLiteral ? Stack.of(scope).resolve(rendered.text) : rendered.text;
  checkWhenResolved(scope, value, resolved => configurationValueRule(subject)(rendered.prop, resolved));
}

export function checkArtifactCount(scope: IConstruct, prop: string, artifacts: readonly unknown[] | undefined, subject = ''): void {
  const problem = countWithin(LIMITS.artifacts)(prop, artifacts);
  if (problem) {
    throw errorAt(scope, subject + problem);
  }
}

/** An output variable name, which must be one of `declared` when the step declares its variables. */
export function checkVariableName(scope: IConstruct, declared: readonly string[] | undefined, name: string): void {
  checkWhenResolved(scope, name, resolved => matching(LIMITS.outputVariableName)('variable()', resolved));
  if (declared && !Token.isUnresolved(name) && !declared.includes(name)) {
    throw errorAt(scope, `variable() accepts only the names declared in \`outputVariables\` (${declared.join(', ') || 'none'}), got '${name}'`);
  }
}

const ENTRY_EXTENSION = /\.(jsx?|tsx?|mjs|cjs|mts|cts)$/;

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
  if (!configuresAsyncInvoke(props)) {
    const asyncProps = ASYNC_INVOKE_PROPS.filter(key => props[key] !== undefined);
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
    checkWhenResolved(scope, name, resolved => matching(LIMITS.outputVariableName)('outputVariables', resolved));
    if (seen.has(name)) {
      throw errorAt(scope, `\`outputVariables\` must not repeat a name, got '${name}' twice`);
    }
    seen.add(name);
  }
}

function checkFunctionProps(scope: IConstruct, { functionProps }: LambdaInvokeStepProps) {
  for (const [key, replacement] of Object.entries(OWNED_FUNCTION_PROPS)) {
    if (functionProps?.[key as keyof typeof OWNED_FUNCTION_PROPS] !== undefined) {
      throw errorAt(scope, `\`functionProps.${key}\` is owned by LambdaInvokeStep: use \`${replacement}\` instead, got a value for \`functionProps.${key}\``);
    }
  }
  const environment = functionProps?.environment;
  if (environment && DECLARED_OUTPUT_VARIABLES_ENV in environment) {
    throw errorAt(scope, `\`functionProps.environment\` must not set ${DECLARED_OUTPUT_VARIABLES_ENV}: it is set from \`outputVariables\`, got '${environment[DECLARED_OUTPUT_VARIABLES_ENV]}'`);
  }
}

function checkFailureDestination(scope: IConstruct, props: LambdaInvokeStepProps) {
  const enabled = failureDestinationEnabled(props);
  if (!enabled && props.failureDestination) {
    throw errorAt(scope, '`failureDestination` cannot be set when `failureDestinationEnabled` is false: remove one of them, got both');
  }
  const queueOptions = FAILURE_QUEUE_PROPS.filter(key => props[key] !== undefined);
  if (queueOptions.length > 0 && (props.failureDestination || !enabled)) {
    const reason = props.failureDestination ? '`failureDestination` is given' : '`failureDestinationEnabled` is false';
    throw errorAt(scope, `\`${queueOptions.join('`, `')}\` configure the default failure queue, which is not created because ${reason}: remove them`);
  }
}
