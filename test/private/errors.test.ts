import * as path from 'path';
import { Errors, Stack } from 'aws-cdk-lib';
import { LambdaInvokeStep } from '../../src';
import { HANDLER_ENTRY, appWithoutBundling } from '../support/template';

/** The error `make` throws. */
function thrownBy(make: () => unknown): any {
  try {
    make();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

const SOURCE = path.join(__dirname, '..', '..', 'src') + path.sep;

test('a refused configuration is a ValidationError as aws-cdk-lib throws them, its stack starting at the user\'s code', () => {
  const stack = new Stack(appWithoutBundling(), 'Errors');
  const error = thrownBy(() => new LambdaInvokeStep(stack, 'Step', { entry: HANDLER_ENTRY, runOrder: 0 }));

  expect(error.name).toBe('ValidationError');
  expect(Errors.isValidationError(error)).toBe(true);
  expect(error.constructPath).toBe('Errors/Step');
  expect(error.message).toMatch(/^\[Errors\/Step\] `runOrder` must be an integer from 1 to 999/);
  const frames: string[] = error.stack.split('\n').filter((line: string) => /^\s+at /.test(line));
  expect(frames[0]).toBe('    at path [Errors/Step]');
  expect(frames[1]).toContain(__filename);
  expect(frames.filter(frame => frame.includes(SOURCE))).toEqual([]);
});

test('a method called with a bad value is one too', () => {
  const step = new LambdaInvokeStep(new Stack(appWithoutBundling(), 'Errors'), 'Step', { entry: HANDLER_ENTRY, outputVariables: ['A'] });
  const error = thrownBy(() => step.variable('B'));
  expect(Errors.isValidationError(error)).toBe(true);
  expect(error.stack.split('\n').find((line: string) => /^\s+at .*\(/.test(line))).toContain(__filename);
});
