import { JobFailure } from '../../src/runtime';
import { lambdaContext } from '../support/invoke';
import { codePipeline, expectFailure, jobOf, jobWithArtifacts, onlyCall, run, useRuntimeEndpoints } from '../support/runtime-harness';

useRuntimeEndpoints();

describe('4. results', () => {
  const noOutputs = () => {
    const event = jobWithArtifacts();
    jobOf(event).data.outputArtifacts = [];
    return event;
  };

  test('a return value is reported as success with output variables, execution details and revision', async () => {
    const context = lambdaContext(60_000, 'req-42');
    await run(async () => ({
      outputVariables: { 'REPORT_URL': 'https://example.com/r/1', 'build@id-1': '7' },
      summary: 'smoke test passed',
      percentComplete: 100,
      currentRevision: { revision: 'abc123', changeIdentifier: 'change-1', revisionSummary: 'fix' },
    }), noOutputs(), {}, context);
    const call = onlyCall();
    expect(call.operation).toBe('PutJobSuccessResult');
    expect(call.input).toEqual({
      jobId: '5f0b2c7e-3d41-4a8e-9c6b-2e7f1a9d4b30',
      outputVariables: { 'REPORT_URL': 'https://example.com/r/1', 'build@id-1': '7' },
      executionDetails: { summary: 'smoke test passed', percentComplete: 100, externalExecutionId: 'req-42' },
      currentRevision: { revision: 'abc123', changeIdentifier: 'change-1', revisionSummary: 'fix' },
    });
  });

  test('continueLater reports success with the state as continuation token', async () => {
    await run(async job => job.continueLater('{"step":2}', { summary: 'halfway', percentComplete: 50 }), noOutputs(), {}, lambdaContext(60_000, 'req-7'));
    expect(onlyCall().input).toEqual({
      jobId: '5f0b2c7e-3d41-4a8e-9c6b-2e7f1a9d4b30',
      continuationToken: '{"step":2}',
      executionDetails: { summary: 'halfway', percentComplete: 50, externalExecutionId: 'req-7' },
    });
  });

  test('a continuation does not need its output artifacts written yet', async () => {
    await run(async job => job.continueLater('later'), jobWithArtifacts());
    expect(onlyCall().input.continuationToken).toBe('later');
  });

  test('continueLater refuses state over 2048 characters', async () => {
    await run(async job => job.continueLater('s'.repeat(2049)), noOutputs());
    expectFailure('ConfigurationError', 'continueLater(): the state must be a string of 1 to 2048 characters (it becomes the continuation token), got 2049 characters');
  });

  test('output variables are never sent with a continuation', async () => {
    await run(async job => ({ ...job.continueLater('later'), outputVariables: { A: '1' } }), noOutputs());
    expectFailure('ConfigurationError', /outputVariables cannot be reported together with a continuation/);
  });

  test('a thrown error is reported as JobFailed with its message and the request id', async () => {
    await run(async () => {
      throw new Error('smoke test: https://example.com answered 503');
    }, noOutputs(), {}, lambdaContext(60_000, 'req-9'));
    expect(onlyCall().input.failureDetails).toEqual({ type: 'JobFailed', message: 'smoke test: https://example.com answered 503', externalExecutionId: 'req-9' });
  });

  test('an error may choose another of the service\'s failure types; unknown ones become JobFailed', async () => {
    await run(async () => {
      throw new JobFailure('no permission on the bucket', 'PermissionError');
    }, noOutputs());
    expectFailure('PermissionError', 'no permission on the bucket');
    codePipeline.reset();
    await run(async () => {
      throw Object.assign(new Error('odd'), { failureType: 'Catastrophe' });
    }, noOutputs());
    expectFailure('JobFailed', 'odd');
  });

  test('a failure message is cut to the service\'s 5000 characters', async () => {
    await run(async () => {
      throw new Error('x'.repeat(6000));
    }, noOutputs());
    const failure = expectFailure('JobFailed', /^x+ \.\.\.\(truncated\)$/);
    expect(failure.message).toHaveLength(5000);
  });

  test('an error with an empty message still gives a readable failure', async () => {
    await run(async () => {
      throw new Error('');
    }, noOutputs());
    expectFailure('JobFailed', 'The step failed without a message');
  });

  test.each([
    ['a string', 'the service said no', 'the service said no'],
    ['an object', { status: 503, retryable: true }, 'The step threw { status: 503, retryable: true }, which is not an Error'],
    ['undefined', undefined, 'The step threw undefined, which is not an Error'],
  ])('a step that throws %s, not an Error, gives a readable failure', async (_, value, message) => {
    await run(async () => {
      throw value;
    }, noOutputs());
    expectFailure('JobFailed', message);
  });

  test('declared output variables that were not returned fail the job, naming them', async () => {
    await run(async () => ({ outputVariables: { REPORT_URL: 'u' } }), noOutputs(), { declaredOutputVariables: ['REPORT_URL', 'COMMIT', 'TAG'] });
    expectFailure('JobFailed', 'The step did not report the output variables it declares: COMMIT, TAG');
  });

  test('a declared variable missing beside undeclared ones names both: the likely misspelling is shown', async () => {
    await run(async () => ({ outputVariables: { REPORT_ULR: 'u', EXTRA: 'e' } }), noOutputs(), { declaredOutputVariables: ['REPORT_URL'] });
    expectFailure('JobFailed', 'The step did not report the output variables it declares: REPORT_URL; it reported REPORT_ULR, EXTRA, '
      + 'which are not declared (outputVariables of the LambdaInvokeStep)');
  });

  test('the declared list comes from the environment variable the construct sets', async () => {
    process.env.CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES = '["REPORT_URL"]';
    try {
      await run(async () => ({ summary: 'no variables' }), noOutputs());
      expectFailure('JobFailed', 'The step did not report the output variables it declares: REPORT_URL');
      codePipeline.reset();
      await run(async () => ({ outputVariables: { REPORT_URL: 'u' } }), noOutputs());
      expect(onlyCall().operation).toBe('PutJobSuccessResult');
      codePipeline.reset();
      process.env.CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES = 'REPORT_URL';
      await run(async () => ({ outputVariables: { REPORT_URL: 'u' } }), noOutputs());
      expectFailure('ConfigurationError', 'CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES must be a JSON array of variable names, got \'REPORT_URL\'');
    } finally {
      delete process.env.CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES;
    }
  });

  test('output variable names outside the service pattern fail the job, naming them', async () => {
    await run(async () => ({ outputVariables: { 'report url': 'u', 'ok': 'v', 'a.b': 'w' } }), noOutputs());
    expectFailure('ConfigurationError', 'outputVariables names must match ^[A-Za-z0-9@\\-_]{1,128}$, got \'report url\', \'a.b\'');
  });

  test('output variables over 122,880 bytes together fail the job', async () => {
    await run(async () => ({ outputVariables: { A: 'a'.repeat(61_440), B: 'é'.repeat(30_720) } }), noOutputs());
    expectFailure('ConfigurationError', 'outputVariables must total at most 122880 bytes (names and values, UTF-8), got 122882');
  });

  test.each([
    ['a string', 'done', 'The step must return nothing, an object with outputVariables and execution details, or job.continueLater(); got a string'],
    ['output variables as an array', { outputVariables: ['REPORT_URL'] }, 'outputVariables must be an object of name → string, got an array'],
  ])('a step that returns %s fails the job as a ConfigurationError saying what it must return', async (_, returned, message) => {
    await run(async () => returned as any, noOutputs());
    expectFailure('ConfigurationError', message);
  });

  test('output variable values must be strings', async () => {
    await run(async () => ({ outputVariables: { COUNT: 3 as unknown as string } }), noOutputs());
    expectFailure('ConfigurationError', 'outputVariables values must be strings, got COUNT (number)');
  });

  test.each([
    ['a long summary', { summary: 's'.repeat(2049) }, 'executionDetails.summary must be a string of 1 to 2048 characters, got 2049 characters'],
    ['an empty summary', { summary: '' }, 'executionDetails.summary must be a string of 1 to 2048 characters, got 0 characters'],
    ['percentComplete 101', { percentComplete: 101 }, 'executionDetails.percentComplete must be an integer from 0 to 100, got 101'],
    ['a long externalExecutionId', { externalExecutionId: 'e'.repeat(1501) }, 'executionDetails.externalExecutionId must be a string of 1 to 1500 characters, got 1501 characters'],
    ['a long changeIdentifier', { currentRevision: { revision: 'r', changeIdentifier: 'c'.repeat(101) } }, 'currentRevision.changeIdentifier must be a string of 1 to 100 characters, got 101 characters'],
  ])('execution details outside the service limits fail the job, naming the field: %s', async (_, result, message) => {
    await run(async () => result, noOutputs());
    expectFailure('ConfigurationError', message);
  });
});
