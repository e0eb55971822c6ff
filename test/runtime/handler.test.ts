import { PipelineJobStep, StepFunction, pipelineJobHandler } from '../../src/runtime';
import { fixtureEvent, fixtureSecrets } from '../support/fixtures';
import { invoke, lambdaContext } from '../support/invoke';
import {
  codePipeline, expectFailure, jobOf, jobWithArtifacts, logger, onlyCall, run, s3, thrown, useRuntimeEndpoints,
} from '../support/runtime-harness';

useRuntimeEndpoints();

describe('5. never a hung action', () => {
  test('a step still running at the margin before the function timeout is failed as out of time, once', async () => {
    let finishLate: () => void = () => undefined;
    const error = await run(job => new Promise(resolve => {
      finishLate = () => resolve({ outputVariables: { LATE: 'yes' } });
      void job;
    }), fixtureEvent('continued-job'), { timeoutMarginMillis: 1_000 }, lambdaContext(1_500));
    expect(error).toBeUndefined();
    expectFailure('JobFailed', /^The step ran out of time: it had not finished \d+ ms into the invocation/);
    finishLate();
    // Let the late result settle: a second report would be sent within these turns of the event loop.
    await new Promise(resolve => setImmediate(resolve));
    await new Promise(resolve => setImmediate(resolve));
    expect(codePipeline.calls).toHaveLength(1);
  });

  test('after the result is reported, a late step can no longer touch the artifacts', async () => {
    let lateError: unknown;
    let finishLate: () => Promise<void> = async () => undefined;
    await run(job => new Promise(() => {
      finishLate = async () => {
        lateError = await job.outputArtifact('ReportArtifact').write({ a: 'b' }).catch(error => error);
      };
    }), jobWithArtifacts(), { timeoutMarginMillis: 1_000 }, lambdaContext(1_200));
    await finishLate();
    expect((lateError as Error).message).toBe('The job\'s result has already been reported: its artifacts can no longer be used');
    expect(s3.requests.filter(request => request.method === 'PUT')).toHaveLength(0);
  });
});
describe('6. Lambda async retries', () => {
  test.each(['InvalidJobStateException', 'JobNotFoundException'])('%s (job already finished or gone) is logged and the invocation succeeds', async errorName => {
    codePipeline.failNextCalls(errorName);
    const error = await run(async () => ({ summary: 'done' }), fixtureEvent('continued-job'));
    expect(error).toBeUndefined();
    expect(onlyCall().operation).toBe('PutJobSuccessResult');
    expect(logger.lines).toContainEqual(expect.stringMatching(new RegExp(`WARN .*CodePipeline no longer takes a result for this job \\(${errorName}\\)`)));
  });

  test('any other reporting error fails the invocation so Lambda retries it', async () => {
    codePipeline.failNextCalls({ name: 'InternalFailure', status: 500 });
    const error = await run(async () => ({ summary: 'done' }), fixtureEvent('continued-job'));
    expect(error?.message).toMatch(/^Could not report the job's success to CodePipeline \(InternalFailure: .*\); failing the invocation so Lambda retries it$/);
    expect(onlyCall().operation).toBe('PutJobSuccessResult');
  });

  test('a failure that cannot be reported also fails the invocation', async () => {
    codePipeline.failNextCalls('ThrottlingException');
    const error = await run(async () => {
      throw new Error('broken');
    }, fixtureEvent('continued-job'));
    expect(error?.message).toMatch(/^Could not report the job's failure to CodePipeline \(ThrottlingException/);
  });
});
describe('7. secrets', () => {
  test('credentials a step puts in its error are redacted from the report, the log and the thrown error', async () => {
    const event = jobWithArtifacts();
    const { secretAccessKey, sessionToken } = jobOf(event).data.artifactCredentials;
    codePipeline.failNextCalls({ name: 'InternalFailure', status: 500 });
    await run(async () => {
      throw new Error(`careless step printing ${secretAccessKey} and ${sessionToken}`);
    }, event);
    expect(onlyCall().input.failureDetails.message).toBe('careless step printing [REDACTED] and [REDACTED]');
    expect(logger.lines.join('\n')).toContain('careless step printing [REDACTED] and [REDACTED]');
    expect(thrown).toHaveLength(1);
    expect(thrown[0].message).toMatch(/^Could not report the job's failure to CodePipeline \(InternalFailure/);
  });

  test('a secret cut by the 5000 character limit is redacted before the cut', async () => {
    const event = jobWithArtifacts();
    const { secretAccessKey } = jobOf(event).data.artifactCredentials;
    await run(async () => {
      throw new Error(`${'x'.repeat(4980)}${secretAccessKey}`);
    }, event);
    const failure = expectFailure('JobFailed', /^x{4980}\[REDACTED\]$/);
    expect(failure.message).not.toContain(secretAccessKey.slice(0, 5));
  });

  test('the step\'s stack is logged with the failure, redacted', async () => {
    const event = jobWithArtifacts();
    const { sessionToken } = jobOf(event).data.artifactCredentials;
    await run(async function stepThatThrows() {
      throw new Error(`token ${sessionToken}`);
    }, event);
    expect(logger.lines.join('\n')).toMatch(/ERROR .*failing the job \(JobFailed\): token \[REDACTED\]\nError: token \[REDACTED\]\n\s+at stepThatThrows/);
  });

  test('the default logger is console, and it sees no secret either', async () => {
    const lines: string[] = [];
    const spies = (['info', 'warn', 'error'] as const).map(level => jest.spyOn(console, level).mockImplementation((...args) => {
      lines.push(args.join(' '));
    }));
    try {
      const unlogged = pipelineJobHandler(async () => {
        throw new Error('fails');
      }, { codePipelineClient: codePipeline.client() });
      await invoke(unlogged, fixtureEvent('continued-job'));
      await invoke(unlogged, { 'CodePipeline.job': { data: jobOf(jobWithArtifacts()).data } });
    } finally {
      spies.forEach(spy => spy.mockRestore());
    }
    expect(lines).toContainEqual(expect.stringMatching(/\[job a3e8d1f4-6c2b-4f0a-8e5d-7b9c0d1e2f34\] failing the job \(JobFailed\): fails/));
    expect(lines).toContainEqual(expect.stringMatching(/`CodePipeline.job.id` is missing/));
    for (const secret of fixtureSecrets()) {
      expect(lines.join('\n')).not.toContain(secret);
    }
  });
});

describe('names', () => {
  test('a step typed with the deprecated StepFunction is a PipelineJobStep: code written against the old name still runs', async () => {
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const legacy: StepFunction = job => ({ outputVariables: { JOB: job.id } });
    const step: PipelineJobStep = legacy;
    await run(step, fixtureEvent('continued-job'));
    expect(onlyCall().input.outputVariables).toEqual({ JOB: jobOf(fixtureEvent('continued-job')).id });
  });
});
