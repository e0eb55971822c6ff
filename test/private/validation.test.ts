import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Duration,
  Lazy,
  Stack,
  aws_codepipeline as codepipeline,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_lambda_destinations as destinations,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LambdaInvokeStep, LambdaInvokeStepProps } from '../../src';
import { LIMITS } from '../../src/common/limits';
import { naming } from '../support/messages';
import { HANDLER_ENTRY, appWithoutBundling, findAction, pipelineStack } from '../support/template';

const newStack = () => new Stack(appWithoutBundling(), 'Validation');

function construct(props: Partial<LambdaInvokeStepProps> = {}, id = 'Step') {
  const stack = newStack();
  return new LambdaInvokeStep(stack, id, { entry: HANDLER_ENTRY, ...props });
}

/** Synthesizes the step's stack: checks of values that hold tokens run then. */
const synthesized = (step: LambdaInvokeStep) => () => Template.fromStack(Stack.of(step));

const artifacts = (count: number) => Array.from({ length: count }, (_, i) => new codepipeline.Artifact(`Artifact${i}`));

describe('artifacts', () => {
  const { max } = LIMITS.artifacts;

  test(`more than ${max} inputs`, () => {
    expect(() => construct({ inputs: artifacts(max + 1) })).toThrow(naming('`inputs`', `at most ${max}`, `got ${max + 1}`));
  });

  test(`more than ${max} outputs`, () => {
    expect(() => construct({ outputs: artifacts(max + 2) })).toThrow(naming('`outputs`', `at most ${max}`, `got ${max + 2}`));
  });

  test(`${max} of each is the limit, not past it`, () => {
    expect(() => construct({ inputs: artifacts(max), outputs: artifacts(max) })).not.toThrow();
  });
});

describe('user parameters', () => {
  const MAX = LIMITS.configurationValue.max;

  test('both props', () => {
    expect(() => construct({ userParameters: { a: 1 }, userParametersString: 'a' }))
      .toThrow(naming('`userParameters`', '`userParametersString`', 'mutually exclusive', 'got both'));
  });

  test(`literal userParameters over ${MAX} characters, refused when the step is made`, () => {
    expect(() => construct({ userParameters: { text: 'x'.repeat(MAX - 10) } }))
      .toThrow(naming('`userParameters`', `at most ${MAX} characters`, `got ${MAX + 1}`));
  });

  test(`literal userParameters of exactly ${MAX} characters are allowed, and counted as the action gets them`, () => {
    const userParameters = { text: 'x'.repeat(MAX - 51), list: [1, true, null], nested: { a: 'b' }, skipped: undefined };
    const { stack, pipeline } = pipelineStack('Validation');
    const step = new LambdaInvokeStep(stack, 'Step', { entry: HANDLER_ENTRY, userParameters });
    pipeline.addStage({ stageName: 'Test', actions: [step.action] });
    expect(findAction(Template.fromStack(stack), 'Step').Configuration.UserParameters).toHaveLength(MAX);
  });

  test(`userParameters holding a token over ${MAX} characters, checked when the app is synthesized`, () => {
    const stack = newStack();
    const text = Lazy.string({ produce: () => 'x'.repeat(MAX - 10) });
    const step = new LambdaInvokeStep(stack, 'Step', { entry: HANDLER_ENTRY, userParameters: { text } });
    expect(synthesized(step))
      .toThrow(naming('`userParameters`', `at most ${MAX} characters`, `got ${MAX + 1}`));
  });

  test(`userParametersString over ${MAX} characters`, () => {
    expect(() => construct({ userParametersString: 'y'.repeat(MAX + 1) }))
      .toThrow(naming('`userParametersString`', `at most ${MAX} characters`, `got ${MAX + 1}`));
  });

  test(`exactly ${MAX} characters is allowed`, () => {
    expect(() => construct({ userParametersString: 'y'.repeat(MAX) })).not.toThrow();
  });

  test('an empty userParametersString', () => {
    expect(() => construct({ userParametersString: '' }))
      .toThrow(naming('`userParametersString`', `at least ${LIMITS.configurationValue.min} character`, 'got an empty string'));
  });

  test('a token is not rejected for being a token', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Queue');
    expect(() => new LambdaInvokeStep(stack, 'Step', { entry: HANDLER_ENTRY, userParametersString: queue.queueUrl })).not.toThrow();
    expect(() => new LambdaInvokeStep(stack, 'Step2', { entry: HANDLER_ENTRY, userParametersString: Lazy.string({ produce: () => '' }) })).not.toThrow();
  });

  test('the literal part around a token is still counted', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Queue');
    const step = new LambdaInvokeStep(stack, 'Step', { entry: HANDLER_ENTRY, userParameters: { url: queue.queueUrl, pad: 'p'.repeat(MAX - 10) } });
    expect(synthesized(step)).toThrow(naming('[Validation/Step]', '`userParameters`', `at most ${MAX} characters`, `got ${MAX + 9}`));
  });

  test('a Lazy value is read when the app is synthesized, not when the step is made', () => {
    let ready = false;
    const step = construct({
      userParametersString: Lazy.string({
        produce: () => {
          if (!ready) {
            throw new Error('read before it was ready');
          }
          return 'z'.repeat(MAX + 1);
        },
      }),
    });
    ready = true;
    expect(synthesized(step)).toThrow(naming('[Validation/Step]', '`userParametersString`', `at most ${MAX} characters`, `got ${MAX + 1}`));
  });
});

describe('names', () => {
  test('an action name outside the pattern', () => {
    expect(() => construct({ actionName: 'smoke test' })).toThrow(naming('`actionName`', LIMITS.actionName.pattern.source, "got 'smoke test'"));
  });

  test('an action name over 100 characters', () => {
    expect(() => construct({ actionName: 'a'.repeat(101) })).toThrow(naming('`actionName`', '{1,100}', `got '${'a'.repeat(101)}'`));
  });

  test('an action name defaulted from an invalid construct id says to set actionName', () => {
    expect(() => construct({}, 'Smoke Test')).toThrow(naming('`actionName`', LIMITS.actionName.pattern.source, 'defaulted from the construct id', "got 'Smoke Test'"));
  });

  test('a namespace outside the pattern (no dots allowed)', () => {
    expect(() => construct({ variablesNamespace: 'Smoke.Test' })).toThrow(naming('`variablesNamespace`', LIMITS.variablesNamespace.pattern.source, "got 'Smoke.Test'"));
  });

  test('a namespace over 100 characters', () => {
    expect(() => construct({ variablesNamespace: 'n'.repeat(101) })).toThrow(naming('`variablesNamespace`', LIMITS.variablesNamespace.pattern.source, `got '${'n'.repeat(101)}'`));
  });

  test('tokens are not rejected as names', () => {
    const token = Lazy.string({ produce: () => 'Later' });
    expect(synthesized(construct({ actionName: token, variablesNamespace: token }))).not.toThrow();
  });

  test('a Lazy name is checked once it resolves', () => {
    expect(synthesized(construct({ variablesNamespace: Lazy.string({ produce: () => 'Not.Valid' }) })))
      .toThrow(naming('[Validation/Step]', '`variablesNamespace`', LIMITS.variablesNamespace.pattern.source, "got 'Not.Valid'"));
  });

  test(`a run order outside ${LIMITS.runOrder.min} to ${LIMITS.runOrder.max}`, () => {
    const { min, max } = LIMITS.runOrder;
    expect(() => construct({ runOrder: min - 1 })).toThrow(naming('`runOrder`', `integer from ${min} to ${max}`, `got ${min - 1}`));
    expect(() => construct({ runOrder: max + 1 })).toThrow(naming('`runOrder`', `got ${max + 1}`));
    expect(() => construct({ runOrder: 1.5 })).toThrow(naming('`runOrder`', 'integer', 'got 1.5'));
    expect(() => construct({ runOrder: max })).not.toThrow();
  });
});

describe('output variables', () => {
  test('a declared name outside the pattern', () => {
    expect(() => construct({ outputVariables: ['REPORT URL'] })).toThrow(naming('`outputVariables`', LIMITS.outputVariableName.pattern.source, "got 'REPORT URL'"));
  });

  test('a declared name over 128 characters', () => {
    expect(() => construct({ outputVariables: ['v'.repeat(129)] })).toThrow(naming('`outputVariables`', LIMITS.outputVariableName.pattern.source, `got '${'v'.repeat(129)}'`));
  });

  test('a name of 128 characters is allowed', () => {
    expect(() => construct({ outputVariables: ['v'.repeat(128)] })).not.toThrow();
  });

  test('duplicate declared names', () => {
    expect(() => construct({ outputVariables: ['A', 'B', 'A'] }))
      .toThrow(naming('`outputVariables`', 'must not repeat a name', "got 'A' twice"));
  });

  test('variable() for an undeclared name when names are declared', () => {
    const step = construct({ variablesNamespace: 'NS', outputVariables: ['REPORT_URL', 'COMMIT'] });
    expect(() => step.variable('REPORT')).toThrow(naming('variable()', 'declared in `outputVariables`', '(REPORT_URL, COMMIT)', "got 'REPORT'"));
  });

  test('variable() when an empty list was declared', () => {
    const step = construct({ outputVariables: [] });
    expect(() => step.variable('ANY')).toThrow(naming('variable()', 'declared in `outputVariables`', '(none)', "got 'ANY'"));
  });

  test('variable() for a name outside the pattern', () => {
    const step = construct({ variablesNamespace: 'NS' });
    expect(() => step.variable('a.b')).toThrow(naming('`variable()`', LIMITS.outputVariableName.pattern.source, "got 'a.b'"));
  });

  test('variable() accepts any valid name when none are declared', () => {
    expect(construct({ variablesNamespace: 'NS' }).variable('Anything')).toBe('#{NS.Anything}');
  });
});

describe('entry', () => {
  test('an absolute path to a missing file: what its directory holds, not a hint to use __dirname', () => {
    const missing = path.join(path.dirname(HANDLER_ENTRY), 'missing-handler.ts');
    expect(() => construct({ entry: missing }))
      .toThrow(new RegExp(`^\\[Validation/Step\\] \`entry\` must be an existing file, got '${missing}' \\(${path.dirname(HANDLER_ENTRY)} holds [^)]*\\bhandler\\.ts\\b`));
    expect(() => construct({ entry: missing })).not.toThrow(/__dirname/);
  });

  test('an absolute path into a directory that does not exist names the nearest one that does', () => {
    const missing = path.join(__dirname, 'no-such-folder', 'deeper', 'handler.ts');
    expect(() => construct({ entry: missing }))
      .toThrow(naming('`entry`', `got '${missing}'`, `no directory ${path.dirname(missing)}`, `nearest that exists is ${__dirname}`));
  });

  test('a relative path is resolved from the working directory, and the error says where it looked', () => {
    expect(() => construct({ entry: 'lambda/smoke-test.ts' }))
      .toThrow(naming('`entry`', 'existing file', "got 'lambda/smoke-test.ts'", `'${path.resolve('lambda/smoke-test.ts')}'`));
  });

  test('a directory, even one named like a source file', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'entry-'));
    const namedLikeAFile = path.join(directory, 'handler.ts');
    fs.mkdirSync(namedLikeAFile);
    try {
      expect(() => construct({ entry: namedLikeAFile })).toThrow(naming('`entry`', 'existing file', `got '${namedLikeAFile}'`));
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  test('a file that is not JavaScript or TypeScript', () => {
    expect(() => construct({ entry: path.join(__dirname, '..', '..', 'package.json') }))
      .toThrow(/`entry` must be a JavaScript or TypeScript file \(\.js, \.ts, .*\), got '.*package\.json'/);
  });
});

describe('every error names the step it is about', () => {
  test('a thrown error starts with the construct path, so one step of many can be found', () => {
    const stack = newStack();
    new LambdaInvokeStep(stack, 'First', { entry: HANDLER_ENTRY });
    expect(() => new LambdaInvokeStep(stack, 'Second', { entry: HANDLER_ENTRY, inputs: artifacts(LIMITS.artifacts.max + 1) }))
      .toThrow(/^\[Validation\/Second\] `inputs`/);
  });

  test('an error found at synthesis names the construct path too', () => {
    const stack = newStack();
    new LambdaInvokeStep(stack, 'First', { entry: HANDLER_ENTRY, userParameters: { ok: true } });
    const second = new LambdaInvokeStep(stack, 'Second', { entry: HANDLER_ENTRY, userParameters: { text: Lazy.string({ produce: () => 'x'.repeat(LIMITS.configurationValue.max) }) } });
    expect(synthesized(second)).toThrow(/\[Validation\/Second\] `userParameters`/);
  });
});

describe('contradicting settings', () => {
  test('a destination given and failureDestinationEnabled false', () => {
    const stack = newStack();
    const failureDestination = new destinations.SqsDestination(new sqs.Queue(stack, 'Mine'));
    expect(() => new LambdaInvokeStep(stack, 'Step', { entry: HANDLER_ENTRY, failureDestination, failureDestinationEnabled: false }))
      .toThrow(naming('`failureDestination`', '`failureDestinationEnabled` is false', 'got both'));
  });

  test('a destination given and the default queue options set', () => {
    const stack = newStack();
    const failureDestination = new destinations.SqsDestination(new sqs.Queue(stack, 'Mine'));
    const failureQueueEncryptionKey = new kms.Key(stack, 'Key');
    expect(() => new LambdaInvokeStep(stack, 'Step', {
      entry: HANDLER_ENTRY, failureDestination, failureQueueRetentionPeriod: Duration.days(1), failureQueueEncryptionKey,
    })).toThrow(naming('`failureQueueRetentionPeriod`, `failureQueueEncryptionKey`', 'default failure queue', 'not created', '`failureDestination` is given'));
  });

  test('the destination turned off and the default queue options set', () => {
    expect(() => construct({ failureDestinationEnabled: false, failureQueueRetentionPeriod: Duration.days(1) }))
      .toThrow(naming('`failureQueueRetentionPeriod`', 'default failure queue', 'not created', '`failureDestinationEnabled` is false'));
  });

  test('a dead-letter queue for a failure queue that is not created', () => {
    const stack = newStack();
    const failureQueueDeadLetterQueue = { queue: new sqs.Queue(stack, 'Dlq'), maxReceiveCount: 3 };
    expect(() => new LambdaInvokeStep(stack, 'Step', { entry: HANDLER_ENTRY, failureDestinationEnabled: false, failureQueueDeadLetterQueue }))
      .toThrow(naming('`failureQueueDeadLetterQueue`', 'default failure queue', 'not created', '`failureDestinationEnabled` is false'));
  });

  test.each([
    ['entry', { entry: HANDLER_ENTRY }, '`entry`'],
    ['onFailure', { onFailure: { bind: () => ({ destination: 'arn' }) } }, '`failureDestination`'],
    ['retryAttempts', { retryAttempts: 1 }, '`retryAttempts`'],
    ['maxEventAge', { maxEventAge: Duration.hours(1) }, '`maxEventAge`'],
  ])('functionProps.%s, which the construct owns', (key, functionProps, replacement) => {
    expect(() => construct({ functionProps }))
      .toThrow(naming(`\`functionProps.${key}\``, 'owned by LambdaInvokeStep', `use ${replacement}`));
  });

  test('functionProps.code, which replaces the bundled entry', () => {
    const stack = newStack();
    expect(() => new LambdaInvokeStep(stack, 'Step', { entry: HANDLER_ENTRY, functionProps: { code: lambda.Code.fromInline('x') } }))
      .toThrow(naming('`functionProps.code`', 'owned by LambdaInvokeStep', 'use `entry`'));
  });

  test('the declared output variables environment variable set by hand', () => {
    expect(() => construct({ functionProps: { environment: { CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES: 'A' } } }))
      .toThrow(naming('`functionProps.environment`', 'must not set CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES', '`outputVariables`', "got 'A'"));
  });
});

describe('asynchronous invocation limits', () => {
  test(`retry attempts outside ${LIMITS.retryAttempts.min} to ${LIMITS.retryAttempts.max}`, () => {
    const { min, max } = LIMITS.retryAttempts;
    expect(() => construct({ retryAttempts: max + 1 })).toThrow(naming('`retryAttempts`', `from ${min} to ${max}`, `got ${max + 1}`));
    expect(() => construct({ retryAttempts: min - 1 })).toThrow(naming('`retryAttempts`', `got ${min - 1}`));
    expect(() => construct({ retryAttempts: max })).not.toThrow();
  });

  test('a maximum event age under its minimum or over its maximum', () => {
    const { min, max } = LIMITS.maxEventAgeSeconds;
    expect(() => construct({ maxEventAge: Duration.seconds(min - 30) })).toThrow(naming('`maxEventAge`', `from ${min} to ${max} seconds`, `got ${min - 30} seconds`));
    expect(() => construct({ maxEventAge: Duration.seconds(max + 3600) })).toThrow(naming('`maxEventAge`', `got ${max + 3600} seconds (`));
    expect(() => construct({ maxEventAge: Duration.seconds(max) })).not.toThrow();
  });

  test('a failure queue retention under its minimum or over its maximum', () => {
    const { min, max } = LIMITS.failureQueueRetentionSeconds;
    expect(() => construct({ failureQueueRetentionPeriod: Duration.seconds(max + 86_400) }))
      .toThrow(naming('`failureQueueRetentionPeriod`', `from ${min} to ${max} seconds`, `got ${max + 86_400} seconds`));
    expect(() => construct({ failureQueueRetentionPeriod: Duration.seconds(min - 1) })).toThrow(naming('`failureQueueRetentionPeriod`', `got ${min - 1} seconds`));
  });
});
