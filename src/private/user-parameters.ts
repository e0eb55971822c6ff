import { createHash } from 'crypto';
import { IResolvable, IResolveContext, Lazy, Stack, Token, Tokenization, aws_lambda as lambda } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { setStepEnvironment } from './lambda-function';
import { FREE_TEXT_HEADER, FREE_TEXT_PLACEHOLDER_KEY, PARAMETER_VARIABLES_ENV } from '../common/wire-format';

/** A CodePipeline variable expression placed as free text: it only has a meaning inside a step's `userParameters`. */
class FreeTextToken implements IResolvable {
  public readonly creationStack: string[] = [];
  constructor(public readonly expression: string) {}

  public resolve(_context: IResolveContext): never {
    throw new Error(`LambdaInvokeStep.freeText('${this.expression}') must be a whole value of a LambdaInvokeStep's \`userParameters\` object, `
      + 'where the step places it outside the JSON; it was used elsewhere (inside a longer string, in `userParametersString`, or outside a step)');
  }

  public toString(): string {
    return Token.asString(this);
  }
}

export function freeTextToken(expression: string): string {
  return Token.asString(new FreeTextToken(expression));
}

function freeTextIn(value: unknown): FreeTextToken | undefined {
  if (typeof value !== 'string' || !Token.isUnresolved(value)) {
    return undefined;
  }
  const token = Tokenization.reverseString(value);
  const [first] = token.tokens;
  return token.length === 1 && first instanceof FreeTextToken ? first : undefined;
}

/** The two ways to give an action's user parameters; at most one is set. */
export interface UserParametersProps {
  readonly userParameters?: { [key: string]: any };
  readonly userParametersString?: string;
}

/** An action's UserParameters, rendered once for the action, its checks and the runtime's variable list. */
export interface RenderedUserParameters {
  /** The prop they came from, for messages. */
  readonly prop: 'userParameters' | 'userParametersString';
  /** The value CodePipeline receives (a token when an object was given). */
  readonly text: string;
  /** Plain JSON data without tokens: its length is known before synthesis. */
  readonly isLiteral: boolean;
  /** It may hold a CodePipeline variable once resolved: a `#{` or a token. */
  readonly mayHoldVariables: boolean;
}

/**
 * The UserParameters of an action: the JSON of `userParameters`, or when it places free text, the
 * JSON with placeholders followed by each text outside it (the runtime's user-parameters.ts reads
 * it); `userParametersString` as it is. Undefined when neither is set.
 */
export function renderUserParameters(scope: IConstruct, props: UserParametersProps): RenderedUserParameters | undefined {
  if (props.userParameters === undefined) {
    return props.userParametersString === undefined ? undefined : {
      prop: 'userParametersString',
      text: props.userParametersString,
      isLiteral: !Token.isUnresolved(props.userParametersString),
      mayHoldVariables: mayHoldVariables(props.userParametersString),
    };
  }
  return {
    prop: 'userParameters',
    text: renderObject(scope, props.userParameters),
    isLiteral: isLiteral(props.userParameters),
    mayHoldVariables: mayHoldVariables(props.userParameters),
  };
}

function renderObject(scope: IConstruct, userParameters: { [key: string]: any }): string {
  const texts: string[] = [];
  const placeholders = replaceDeep(userParameters, value => {
    const freeText = freeTextIn(value);
    if (!freeText) {
      return undefined;
    }
    texts.push(freeText.expression);
    return { [FREE_TEXT_PLACEHOLDER_KEY]: texts.length - 1 };
  });
  const json = Stack.of(scope).toJsonString(placeholders);
  if (texts.length === 0) {
    return json;
  }
  // Deterministic, so templates stay stable; a substituted text holding this line is detected by the runtime.
  const boundary = createHash('sha256').update(texts.join('\n')).digest('hex').slice(0, 16);
  return `${FREE_TEXT_HEADER}${boundary}\n${json}${texts.map((text, index) => `\n${boundary}:${index}\n${text}`).join('')}`;
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

/** The UserParameters each step's actions pass, for the list of variables they use. */
const notedFor = new WeakMap<IConstruct, string[]>();

/**
 * Records UserParameters an action of `step` passes, so that the runtime can name the variables
 * they use when the substituted text is not valid JSON: the list reaches `fn` as an environment
 * variable, resolved when its stack is synthesized.
 */
export function noteUserParameters(step: IConstruct, fn: lambda.IFunction, rendered: RenderedUserParameters | undefined): void {
  if (!rendered?.mayHoldVariables) {
    return;
  }
  let noted = notedFor.get(step);
  if (!noted) {
    noted = [];
    notedFor.set(step, noted);
    setStepEnvironment(step, fn, PARAMETER_VARIABLES_ENV, variableExpressionsJson(step, noted),
      'the names of the variables its UserParameters use (for the runtime\'s error when they break the JSON)');
  }
  noted.push(rendered.text);
}

/** A copy of `value` where `replace` returns a replacement (undefined: keep and descend). */
export function replaceDeep(value: any, replace: (value: unknown) => unknown): any {
  const replaced = replace(value);
  if (replaced !== undefined) {
    return replaced;
  }
  if (Array.isArray(value)) {
    return value.map(item => replaceDeep(item, replace));
  }
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceDeep(item, replace)]));
  }
  return value;
}

function mayHoldVariables(value: unknown): boolean {
  let found = false;
  replaceDeep(value, item => {
    found ||= typeof item === 'string' && (item.includes('#{') || Token.isUnresolved(item));
    return undefined;
  });
  return found;
}

/** The distinct `#{...}` expressions in resolved values, as JSON: resolved when the function's stack is synthesized. */
function variableExpressionsJson(scope: IConstruct, values: readonly unknown[]): string {
  return Lazy.string({
    produce: () => {
      const text = JSON.stringify(values.map(value => Stack.of(scope).resolve(value)));
      return JSON.stringify([...new Set(text.match(/#\{[^}"]+\}/g) ?? [])]);
    },
  });
}
