import { createHash } from 'crypto';
import { IResolvable, IResolveContext, Lazy, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { FREE_TEXT_HEADER, FREE_TEXT_PLACEHOLDER_KEY } from './limits';

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

/**
 * The UserParameters of an action: the JSON of `userParameters`, or when it places free text, the
 * JSON with placeholders followed by each text outside it (the runtime's user-parameters.ts reads it).
 */
export function renderUserParameters(
  scope: IConstruct,
  userParameters: { [key: string]: any } | undefined,
  userParametersString: string | undefined,
): string | undefined {
  if (userParameters === undefined) {
    return userParametersString;
  }
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

/** Whether a user parameters value may hold a CodePipeline variable once resolved: a `#{` or a token. */
export function mayHoldVariables(value: unknown): boolean {
  let found = false;
  replaceDeep(value, item => {
    found ||= typeof item === 'string' && (item.includes('#{') || Token.isUnresolved(item));
    return undefined;
  });
  return found;
}

/** The distinct `#{...}` expressions in resolved values, as JSON: resolved when the function's stack is synthesized. */
export function variableExpressionsJson(scope: IConstruct, values: readonly unknown[]): string {
  return Lazy.string({
    produce: () => {
      const text = JSON.stringify(values.map(value => Stack.of(scope).resolve(value)));
      return JSON.stringify([...new Set(text.match(/#\{[^}"]+\}/g) ?? [])]);
    },
  });
}
