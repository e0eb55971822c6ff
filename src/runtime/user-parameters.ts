import { JobFailure } from './errors';
import { FREE_TEXT_HEADER, FREE_TEXT_PLACEHOLDER_KEY, PARAMETER_VARIABLES_ENV } from '../common/wire-format';

/**
 * The JSON value of an action's UserParameters, with free text placed by LambdaInvokeStep.freeText()
 * put back where it belongs. Errors say what is wrong, never what the parameters hold: they are
 * configuration, and substituted variables may carry anything.
 */
export function parseUserParameters(userParameters: string): unknown {
  if (!userParameters.startsWith(FREE_TEXT_HEADER)) {
    return parseJson(userParameters, userParameters.length);
  }
  const headerEnd = userParameters.indexOf('\n');
  const boundary = userParameters.slice(FREE_TEXT_HEADER.length, headerEnd);
  const separators = [...userParameters.matchAll(new RegExp(`\\n${boundary}:(\\d+)\\n`, 'g'))];
  const json = userParameters.slice(headerEnd + 1, separators[0]?.index ?? userParameters.length);
  const texts = separators.map((separator, index) => {
    if (Number(separator[1]) !== index) {
      throw new JobFailure(`The action's UserParameters hold free text ${index} out of place (a substituted value contains the boundary line): `
        + 'the texts cannot be told apart', 'ConfigurationError');
    }
    const start = separator.index! + separator[0].length;
    return userParameters.slice(start, separators[index + 1]?.index ?? userParameters.length);
  });
  const placed = new Set<number>();
  const value = withTexts(parseJson(json, json.length), texts, placed);
  if (placed.size !== texts.length) {
    throw new JobFailure(`The action's UserParameters hold ${texts.length} free texts but place ${placed.size} (a substituted value contains the boundary line): `
      + 'the texts cannot be told apart', 'ConfigurationError');
  }
  return value;
}

function parseJson(text: string, length: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input; say only what is wrong with it.
    const variables = parameterVariables();
    throw new JobFailure(variables.length > 0
      ? `The action's UserParameters are not valid JSON (${length} characters) once CodePipeline substituted the variables they use `
        + `(${variables.join(', ')}): a value with a quote, a backslash or a line break breaks the JSON. `
        + 'Place such variables with LambdaInvokeStep.freeText(), which keeps them out of the JSON'
      : `The action's UserParameters are not valid JSON (${length} characters)`, 'ConfigurationError');
  }
}

function withTexts(value: unknown, texts: string[], placed: Set<number>): unknown {
  if (Array.isArray(value)) {
    return value.map(item => withTexts(item, texts, placed));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === FREE_TEXT_PLACEHOLDER_KEY) {
    const index = entries[0][1];
    if (typeof index !== 'number' || texts[index] === undefined) {
      throw new JobFailure(`The action's UserParameters place free text ${index}, but hold ${texts.length}`, 'ConfigurationError');
    }
    placed.add(index);
    return texts[index];
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, withTexts(item, texts, placed)]));
}

/** The variable expressions the construct saw in the actions' UserParameters, as it wrote them to the function's environment. */
function parameterVariables(): string[] {
  try {
    const parsed = JSON.parse(process.env[PARAMETER_VARIABLES_ENV] ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}
