import * as fs from 'fs';
import * as http from 'http';
import { CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { handler as exampleHandler } from '../../example/smoke-test';
import { runStep, StepRunError } from '../../src/testing';
import { LoopbackCodePipeline } from '../../src/testing/endpoints/codepipeline';
import { LoopbackS3Endpoint } from '../../src/testing/endpoints/s3';
import { handler as continuingHandler } from '../fixtures/continuing-handler';
import { naming } from '../support/messages';
import { temporaryDirectory, writeFiles } from '../support/zip';

const SOURCE = { 'index.html': '<h1>hi</h1>', 'src/app.js': 'console.log(1)' };

/** Whether anything still answers at `endpoint`. */
function answers(endpoint: string): Promise<boolean> {
  return new Promise(resolve => {
    http.get(endpoint, response => {
      response.resume();
      resolve(true);
    }).on('error', () => resolve(false));
  });
}

/** The endpoints the harness starts during `work`, whatever becomes of it. */
async function endpointsStartedDuring(work: () => Promise<unknown>): Promise<string[]> {
  const starts = [jest.spyOn(LoopbackCodePipeline, 'start'), jest.spyOn(LoopbackS3Endpoint, 'start')];
  try {
    await work().catch(() => undefined);
    const started = await Promise.allSettled(starts.flatMap(spy => spy.mock.results.map(result => result.value)));
    return started.flatMap(outcome => outcome.status === 'fulfilled' ? [outcome.value.endpoint] : []);
  } finally {
    starts.forEach(spy => spy.mockRestore());
  }
}

test('runs a handler end to end: artifacts in, result, variables and artifacts out, logs', async () => {
  const run = await runStep(exampleHandler, {
    userParameters: { url: 'https://example.com' },
    inputArtifacts: { Source: SOURCE },
    outputArtifacts: ['Report'],
  });
  expect(run.outcome).toBe('succeeded');
  expect(run.invocations).toBe(1);
  const jobId = run.event['CodePipeline.job'].id;
  expect(run.outputVariables).toEqual({ REPORT_URL: `https://example.com/reports/${jobId}` });
  expect(run.executionDetails?.summary).toBe('smoke test of https://example.com passed (2 source files)');
  expect(JSON.parse(run.outputArtifacts.Report['report.json'].toString()).sourceFiles.sort()).toEqual(['index.html', 'src/app.js']);
  // Uploaded with the SDK's default checksum (aws-chunked, CRC32 trailer), verified by the endpoint.
  expect(run.outputArtifactEncryption.Report).toEqual({ checksums: { crc32: expect.stringMatching(/^[A-Za-z0-9+/]{6}==$/) } });
  expect(run.logs).toContainEqual(expect.stringContaining(`[job ${jobId}] reported success`));
  const { secretAccessKey, sessionToken } = run.event['CodePipeline.job'].data.artifactCredentials;
  expect(run.logs.join('\n')).not.toContain(secretAccessKey);
  expect(run.logs.join('\n')).not.toContain(sessionToken);
});

test('input artifacts may be directories, and an encryption key reaches the output upload', async () => {
  const directory = temporaryDirectory();
  writeFiles(directory, SOURCE);
  const run = await runStep(exampleHandler, {
    userParameters: '{"url":"https://example.org"}',
    inputArtifacts: { Source: directory },
    outputArtifacts: ['Report'],
    encryptionKeyId: 'arn:aws:kms:us-east-1:123456789012:key/local',
  });
  fs.rmSync(directory, { recursive: true, force: true });
  expect(run.outcome).toBe('succeeded');
  expect(run.outputArtifactEncryption.Report).toMatchObject({ serverSideEncryption: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/local' });
});

test('a failure is returned with its details', async () => {
  const run = await runStep(exampleHandler, { userParameters: {}, inputArtifacts: { Source: SOURCE }, outputArtifacts: ['Report'] });
  expect(run.outcome).toBe('failed');
  expect(run.failureDetails).toMatchObject({ type: 'ConfigurationError', message: 'UserParameters must hold a "url"' });
  expect(run.outputArtifacts).toEqual({});
});

test('continuations are followed the way CodePipeline does, up to the limit', async () => {
  const run = await runStep(continuingHandler);
  expect(run.outcome).toBe('succeeded');
  expect(run.invocations).toBe(3);
  expect(run.outputVariables).toEqual({ ROUNDS: '3' });
  expect(run.logs.filter(line => line.startsWith('round'))).toEqual(['round 1', 'round 2', 'round 3']);

  const limited = await runStep(continuingHandler, { maxInvocations: 2 });
  expect(limited.outcome).toBe('continued');
  expect(limited.continuationToken).toBe('2');

  const resumed = await runStep(continuingHandler, { continuationToken: '2' });
  expect(resumed.invocations).toBe(1);
  expect(resumed.outcome).toBe('succeeded');
});

test('a handler that never reports times out: the failure reporter fails the job with the timeout, as in a pipeline', async () => {
  const run = await runStep(() => new Promise(() => undefined), { timeoutMillis: 300 });
  expect(run.outcome).toBe('failed');
  expect(run.failureDetails).toEqual({
    type: 'JobFailed',
    message: expect.stringMatching(/^The step's function local-step failed without reporting a result: Sandbox\.Timedout: Task timed out after 0\.30 seconds\. /.source
      + /Lambda stopped after 1 attempt: its retries were exhausted \(RetriesExhausted\)\. It ran out of time: raise the function's timeout\. /.source
      + /Its logs: log group \/aws\/lambda\/local-step in us-east-1, request [0-9a-f-]{36}\. \(Reported by the step's failure reporter\.\)$/.source),
    externalExecutionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
  });
  expect(run.failureReport).toEqual({ attempts: 1, error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.30 seconds' }, approximateSecondsAfterStart: 0 });
  expect(run.warnings).toContainEqual(expect.stringMatching(/^The function failed without reporting in its only attempt \(Sandbox\.Timedout: Task timed out after 0\.30 seconds\), so the step's failure reporter failed the job\. In a pipeline that happens about 0 s after the action started/));
  // The reporter's call is CodePipeline's last, signed with the reporter's own role.
  expect(run.calls.map(call => [call.operation, call.error])).toEqual([['PutJobFailureResult', undefined]]);
});

test('without the failure reporter, a handler that never reports times out with a clear error, and both endpoints are stopped', async () => {
  const endpoints = await endpointsStartedDuring(async () => {
    await expect(runStep(() => new Promise(() => undefined), { timeoutMillis: 300, failureReporter: false }))
      .rejects.toThrow(/^The handler did not finish within its 300 ms timeout in invocation 1 without reporting a result for job [0-9a-f-]{36}: Lambda did not retry it \(retryAttempts 0\); the step has no failure reporter to fail the job \(failureReporterEnabled false, or configureAsyncInvoke false\)\. In a pipeline the action would wait 20 minutes for a result and then fail\. To report, wrap the handler in pipelineJobHandler from cdk-lambda-invoke-step\/runtime, which reports what it returns or throws, or call CodePipeline's PutJobSuccessResult or PutJobFailureResult with the job's id and await it before the handler returns$/);
  });
  expect(endpoints).toHaveLength(2);
  expect(await Promise.all(endpoints.map(answers))).toEqual([false, false]);
});

test('when the second endpoint cannot start, the first is stopped and the start error is passed on', async () => {
  const failedStart = jest.spyOn(LoopbackS3Endpoint, 'start').mockRejectedValueOnce(new Error('listen EADDRINUSE: address already in use 127.0.0.1'));
  try {
    const endpoints = await endpointsStartedDuring(async () => {
      await expect(runStep(async () => undefined)).rejects.toThrow('listen EADDRINUSE');
    });
    expect(endpoints).toHaveLength(1);
    expect(await answers(endpoints[0])).toBe(false);
  } finally {
    failedStart.mockRestore();
  }
});

test('an endpoint that cannot listen rejects instead of crashing the process', async () => {
  const listen = jest.spyOn(http.Server.prototype, 'listen').mockImplementationOnce(function (this: http.Server) {
    process.nextTick(() => this.emit('error', Object.assign(new Error('listen EACCES: permission denied'), { code: 'EACCES' })));
    return this;
  });
  try {
    await expect(LoopbackCodePipeline.start()).rejects.toThrow('listen EACCES: permission denied');
  } finally {
    listen.mockRestore();
  }
});

test.each([0, -1, 1.5])('maxInvocations %p is refused before anything starts', async maxInvocations => {
  const endpoints = await endpointsStartedDuring(async () => {
    await expect(runStep(continuingHandler, { maxInvocations }))
      .rejects.toThrow(new StepRunError(`maxInvocations must be an integer of at least 1 (the first invocation counts), got ${maxInvocations}`));
  });
  expect(endpoints).toEqual([]);
});

test('a timeout that is not a positive number of milliseconds is refused', async () => {
  await expect(runStep(continuingHandler, { timeoutMillis: 0 }))
    .rejects.toThrow(new StepRunError('timeoutMillis must be a number of milliseconds above 0, got 0'));
});

test('a handler that returns without reporting is a success to Lambda: no reporter runs, and the action would wait 20 minutes', async () => {
  await expect(runStep(async () => undefined)).rejects.toThrow(/^The handler returned in invocation 1 without reporting a result for job [0-9a-f-]{36}\. In a pipeline the action would wait 20 minutes/);
});

describe('a handler that throws without reporting', () => {
  const throws = async () => {
    throw new TypeError('boom');
  };

  test('fails its job through the failure reporter, with the error Lambda records', async () => {
    const run = await runStep(throws);
    expect(run.outcome).toBe('failed');
    expect(run.invocations).toBe(1);
    expect(run.failureDetails?.message).toMatch(/^The step's function local-step failed without reporting a result: TypeError: boom\. Lambda stopped after 1 attempt: /);
    expect(run.failureReport).toMatchObject({ attempts: 1, error: { errorType: 'TypeError', errorMessage: 'boom' } });
  });

  test('is run again for each of the function\'s retries, and the report comes after Lambda\'s waits of 1 and 2 minutes', async () => {
    const progress: string[] = [];
    const run = await runStep(throws, { retryAttempts: 2, onProgress: message => progress.push(message) });
    expect(run.outcome).toBe('failed');
    expect(run.invocations).toBe(3);
    expect(run.failureDetails?.message).toContain('Lambda stopped after 3 attempts: its retries were exhausted (RetriesExhausted).');
    expect(run.failureReport?.attempts).toBe(3);
    expect(run.failureReport!.approximateSecondsAfterStart).toBeGreaterThanOrEqual(180);
    expect(run.failureReport!.approximateSecondsAfterStart).toBeLessThan(240);
    expect(progress.filter(message => message.includes('Lambda retries it'))).toEqual([
      'invocation 1 failed without reporting (TypeError: boom): Lambda retries it (retry 1 of 2)',
      'invocation 2 failed without reporting (TypeError: boom): Lambda retries it (retry 2 of 2)',
    ]);
    expect(run.warnings[0]).toMatch(/^The function failed without reporting in each of its 3 attempts \(TypeError: boom\), .* about 3 min \d+ s after the action started \(the attempts' durations here, a timeout counted in full, and Lambda's waits of 1 and 2 minutes before its retries\)/);
  });

  test('that reports on a retry succeeds, and the run says when the report would come', async () => {
    let attempts = 0;
    const run = await runStep(async (event: any) => {
      attempts++;
      if (attempts === 1) {
        throw new Error('the registry was not reachable');
      }
      const client = new CodePipelineClient({});
      await client.send(new PutJobSuccessResultCommand({ jobId: event['CodePipeline.job'].id }));
      client.destroy();
    }, { retryAttempts: 1 });
    expect(run.outcome).toBe('succeeded');
    expect(run.invocations).toBe(2);
    expect(run.failureReport).toBeUndefined();
    expect(run.warnings[0]).toMatch(/^Invocation 1 failed without reporting \(Error: the registry was not reachable\); Lambda retried it \(retryAttempts 1\) and attempt 2 reported\. In a pipeline that report comes about 1 min \d+ s after the action started$/);
  });

  test('its retries do not count as the job\'s invocations (maxInvocations)', async () => {
    const run = await runStep(throws, { retryAttempts: 2, maxInvocations: 1 });
    expect(run.outcome).toBe('failed');
    expect(run.invocations).toBe(3);
  });

  test('without the failure reporter, leaves the action waiting, after the retries', async () => {
    await expect(runStep(throws, { failureReporter: false, retryAttempts: 1 })).rejects.toThrow(
      /^The handler failed \(TypeError: boom\) in invocation 2 without reporting a result for job [0-9a-f-]{36}: Lambda ran it 2 times \(retryAttempts 1\), each failing; the step has no failure reporter to fail the job .*\. In a pipeline the action would wait 20 minutes/);
  });

  test('retryAttempts beyond what Lambda allows is refused', async () => {
    for (const retryAttempts of [3, -1, 1.5]) {
      await expect(runStep(throws, { retryAttempts })).rejects.toThrow(naming('retryAttempts', 'an integer from 0 to 2', `got ${retryAttempts}`));
    }
  });
});

test('a second result for the job is refused with InvalidJobStateException, as CodePipeline refuses it; the first stands', async () => {
  const reportsTwice = async (event: any) => {
    const client = new CodePipelineClient({});
    const jobId = event['CodePipeline.job'].id;
    await client.send(new PutJobSuccessResultCommand({ jobId }));
    await client.send(new PutJobFailureResultCommand({ jobId, failureDetails: { type: 'JobFailed', message: 'again' } }))
      .catch((error: Error) => console.log(`second result: ${error.name}`));
    client.destroy();
  };
  const run = await runStep(reportsTwice);
  expect(run.outcome).toBe('succeeded');
  expect(run.logs).toContain('second result: InvalidJobStateException');
  expect(run.calls.map(call => [call.operation, call.error])).toEqual([['PutJobSuccessResult', undefined], ['PutJobFailureResult', 'InvalidJobStateException']]);
});

test('more than 5 artifacts are refused', async () => {
  const six = Object.fromEntries(['A', 'B', 'C', 'D', 'E', 'F'].map(name => [name, {}]));
  await expect(runStep(exampleHandler, { inputArtifacts: six }))
    .rejects.toThrow(naming('inputArtifacts', '6 artifacts (A, B, C, D, E, F)', 'at most 5'));
  await expect(runStep(exampleHandler, { outputArtifacts: ['1', '2', '3', '4', '5', '6'] }))
    .rejects.toThrow(naming('outputArtifacts', '6 artifacts (1, 2, 3, 4, 5, 6)', 'at most 5'));
});

test('the process environment and console are restored after a run', async () => {
  const consoleInfo = console.info;
  await runStep(continuingHandler);
  expect(process.env.AWS_ENDPOINT_URL_CODEPIPELINE).toBeUndefined();
  expect(console.info).toBe(consoleInfo);
});

test('the run says which Node.js the handler ran on, and warns when that is not the runtime\'s major', async () => {
  const major = process.versions.node.split('.')[0];
  const other = major === '24' ? 'nodejs22.x' : 'nodejs24.x';
  const mismatched = await runStep(continuingHandler, { runtime: other });
  expect(mismatched.nodeVersion).toBe(process.versions.node);
  // Beside the warning every runStep gives: that it cannot hold the handler to its memory size.
  const memoryWarning = expect.stringMatching(/^runStep runs the handler in this process, where its memory cannot be held/);
  expect(mismatched.warnings).toEqual([expect.stringContaining(
    `The function's runtime is ${other}, but the handler ran on Node.js ${process.versions.node}, the Node.js running this harness`), memoryWarning]);

  const matching = await runStep(continuingHandler, { runtime: `nodejs${major}.x` as any });
  expect(matching.warnings).toEqual([memoryWarning]);
});
