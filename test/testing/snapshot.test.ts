import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LambdaInvokeStep } from '../../src';
import { appWithoutBundling, assetHashSerializer, MASKED_ASSET_HASH, templateForSnapshot } from '../../src/testing';
import { stepFunctionLogicalId } from '../support/template';

// What a user's snapshot of a stack with a step sees: asset hashes masked, bundling optional.
const HANDLER = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'handler.ts'), 'utf8');
let work: string;

// Entries inside the project: newer aws-cdk-lib releases refuse an entry outside projectRoot.
const SCRATCH = path.join(__dirname, '..', '..', '.scratch');

beforeEach(() => {
  fs.mkdirSync(SCRATCH, { recursive: true });
  work = fs.mkdtempSync(path.join(SCRATCH, 'snapshot-'));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

function synthesize(handlerSource: string, props: { timeout?: Duration } = {}, app: App = new App()) {
  const entry = path.join(work, `handler-${Math.random().toString(36).slice(2)}.ts`);
  fs.writeFileSync(entry, handlerSource);
  const stack = new Stack(app, 'Snapshot');
  new LambdaInvokeStep(stack, 'Step', { entry, functionProps: { timeout: props.timeout } });
  return stack;
}

test('a comment, or a change in the bundled code (as a new esbuild makes), leaves the masked template unchanged', () => {
  const original = synthesize(HANDLER);
  const commented = synthesize(`// a comment that changes nothing\n${HANDLER}`);
  const rebundled = synthesize(`${HANDLER}\nexport const bundledDifferently = ${Date.now()};\n`);
  expect(templateForSnapshot(commented)).toEqual(templateForSnapshot(original));
  expect(templateForSnapshot(rebundled)).toEqual(templateForSnapshot(original));
  // The raw templates do differ: the masking is what keeps the snapshot still.
  const codeKey = (stack: Stack) => {
    const template = Template.fromStack(stack);
    return JSON.stringify(template.toJSON().Resources[stepFunctionLogicalId(template)].Properties.Code);
  };
  expect(codeKey(rebundled)).not.toBe(codeKey(original));
  expect(JSON.stringify(templateForSnapshot(original))).toContain(MASKED_ASSET_HASH);
});

test('a prop change changes the masked template', () => {
  expect(templateForSnapshot(synthesize(HANDLER, { timeout: Duration.minutes(2) }))).not.toEqual(templateForSnapshot(synthesize(HANDLER)));
});

test('without bundling the masked template is the same as with it', () => {
  expect(templateForSnapshot(synthesize(HANDLER, {}, appWithoutBundling()))).toEqual(templateForSnapshot(synthesize(HANDLER)));
});

test('the serializer masks hashes inside any string of a snapshot', () => {
  const hash = 'a'.repeat(64);
  expect(assetHashSerializer.test(`${hash}.zip`)).toBe(true);
  expect(assetHashSerializer.test('plain')).toBe(false);
  expect(assetHashSerializer.serialize(`s3://bucket/${hash}.zip`)).toBe('"s3://bucket/[ASSET HASH].zip"');
});
