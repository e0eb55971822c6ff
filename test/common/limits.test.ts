import * as fs from 'fs';
import * as path from 'path';
import { LIMITS, Range } from '../../src/common/limits';
import { CODEPIPELINE_MODEL } from '../../src/testing/endpoints/codepipeline-model.generated';

const ROOT = path.join(__dirname, '..', '..');
const MODEL_SOURCE = 'CodePipeline API model ';

type Shape = { min?: number; max?: number; pattern?: string };
const modelShape = (source: string): Shape | undefined =>
  source.startsWith(MODEL_SOURCE) ? (CODEPIPELINE_MODEL.shapes as Record<string, Shape>)[source.slice(MODEL_SOURCE.length)] : undefined;

// The limits the construct and the runtime enforce are written once, in src/common/limits.ts. Where
// the service's published model (the harness's copy) holds the same shape, both must agree.
test('every limit the CodePipeline API model defines agrees with the model', () => {
  const ranges = Object.entries(LIMITS.result).map(([name, range]: [string, Range]) => ({ name, range, shape: modelShape(range.source) }));
  const compared = ranges.filter(({ shape }) => shape !== undefined);
  expect(compared.map(({ name }) => name)).toEqual(Object.keys(LIMITS.result).filter(name => name !== 'outputVariablesBytes'));
  for (const { name, range, shape } of compared) {
    expect({ name, min: range.min, max: range.max }).toEqual({ name, min: shape!.min, max: shape!.max });
  }
  const variableKey = modelShape(LIMITS.outputVariableName.source)!;
  expect(LIMITS.outputVariableName.pattern.source).toContain(variableKey.pattern!.replace(/\+$/, ''));
});

// Docs quote the limits for readers; when one changes in limits.ts, this names what to update.
describe.each([
  ['README.md', [`0 to ${LIMITS.artifacts.max}`]],
  ['docs/construct.md', [
    `0 to ${LIMITS.artifacts.max}`,
    `${LIMITS.runOrder.min} to ${LIMITS.runOrder.max}`,
    `${LIMITS.configurationValue.max} characters`,
    `${LIMITS.retryAttempts.min} to ${LIMITS.retryAttempts.max}`,
  ]],
  ['src/lambda-invoke-step-props.ts', [
    `0 to ${LIMITS.artifacts.max}`,
    `(${LIMITS.runOrder.min} to ${LIMITS.runOrder.max})`,
    `at most ${LIMITS.configurationValue.max} characters`,
    `(${LIMITS.configurationValue.min} to ${LIMITS.configurationValue.max} characters)`,
    `(${LIMITS.retryAttempts.min} to ${LIMITS.retryAttempts.max})`,
    `(${LIMITS.maxEventAgeSeconds.min} seconds to ${LIMITS.maxEventAgeSeconds.max / 3600} hours)`,
    `(${LIMITS.failureQueueRetentionSeconds.min} seconds to ${LIMITS.failureQueueRetentionSeconds.max / 86_400} days)`,
    '[A-Za-z0-9.@-_]{1,100}',
  ]],
  ['src/pipelines/lambda-invoke-pipelines-step.ts', [`0 to ${LIMITS.artifacts.max}`]],
])('%s quotes the limits of src/common/limits.ts', (file, phrases) => {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  test.each(phrases)('%s', phrase => {
    expect(text.includes(phrase) ? phrase : `${file} no longer says '${phrase}': update it to the limit`).toBe(phrase);
  });
});
