import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FAILURE_REPORTER_ASSET } from '../../src/private/failure-reporter';
import { LoopbackCodePipeline } from '../../src/testing/endpoints/codepipeline';
import { loopbackFunctionEnvironment } from '../../src/testing/endpoints/function-environment';
import { madeUpCredentials } from '../../src/testing/job-event';

// The failure reporter as the construct ships it (lib/assets/failure-reporter/index.js, built by
// scripts/build-failure-reporter.mjs), run in a Node.js process of its own with the records Lambda
// sends an on-failure destination, against the loopback CodePipeline endpoint with the reporter's
// own credentials. The records' shapes follow the Lambda developer guide's invocation record.

const JOB_ID = '11111111-2222-3333-4444-555555555555';
const ARTIFACT_SECRET = 'artifactSecretKEYdoNotLog0123456789abcdefgh';
const ARTIFACT_TOKEN = 'artifactSessionTOKENdoNotLog0123456789abcdefghijklmnop';

function jobEvent() {
  return {
    'CodePipeline.job': {
      id: JOB_ID,
      accountId: '123456789012',
      data: {
        actionConfiguration: { configuration: { FunctionName: 'smoke-test' } },
        inputArtifacts: [],
        outputArtifacts: [],
        artifactCredentials: { accessKeyId: 'ASIAEXAMPLEARTIFACT', secretAccessKey: ARTIFACT_SECRET, sessionToken: ARTIFACT_TOKEN },
      },
    },
  };
}

function failureRecord(overrides: { condition?: string; approximateInvokeCount?: number; responsePayload?: unknown; requestPayload?: unknown } = {}) {
  return {
    version: '1.0',
    timestamp: '2026-12-06T10:00:00.000Z',
    requestContext: {
      requestId: 'c2a6f2ae-7dbb-4d22-8782-d0485c9877e2',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:smoke-test:$LATEST',
      condition: overrides.condition ?? 'RetriesExhausted',
      approximateInvokeCount: overrides.approximateInvokeCount ?? 1,
    },
    requestPayload: 'requestPayload' in overrides ? overrides.requestPayload : jobEvent(),
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    ...'responsePayload' in overrides ? overrides.responsePayload === undefined ? {} : { responsePayload: overrides.responsePayload }
      : { responsePayload: { errorType: 'TypeError', errorMessage: 'Cannot read properties of undefined (reading \'url\')', trace: ['TypeError: at handler (/var/task/index.js:3:5)'] } },
  };
}

let codePipeline: LoopbackCodePipeline;
const reporterCredentials = madeUpCredentials();
let empty: string;

beforeAll(async () => {
  codePipeline = await LoopbackCodePipeline.start({ credentials: [{ ...reporterCredentials, principal: 'reporter' }] });
  empty = fs.mkdtempSync(path.join(os.tmpdir(), 'reporter-'));
});
afterAll(async () => {
  await codePipeline.stop();
  fs.rmSync(empty, { recursive: true, force: true });
});
beforeEach(() => {
  codePipeline.reset();
  codePipeline.startJob(JOB_ID);
});

/** Invokes the shipped handler once, as Lambda's Node.js runtime would, with `record` as the event. */
interface ReporterInvocation {
  readonly status: number | null;
  /** stdout and stderr, as CloudWatch Logs would hold them. */
  readonly logs: string;
  readonly stdout: string;
  /** What the handler returned. */
  readonly outcome: any;
}

function invokeReporter(record: unknown, environment: Record<string, string> = {}): Promise<ReporterInvocation> {
  const program = 'const fs = require("fs");'
    + 'require(process.argv[1]).handler(JSON.parse(fs.readFileSync(0, "utf8")))'
    + '.then(outcome => fs.writeSync(3, JSON.stringify(outcome)), error => { console.error(`Invoke Error ${error.name}`); process.exitCode = 1; });';
  // Not spawnSync: the loopback endpoint answers from this process's event loop.
  const child = spawn(process.execPath, ['-e', program, path.join(FAILURE_REPORTER_ASSET, 'index.js')], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      // The SDK's retries would only slow the error cases down; Lambda retries the reporter itself.
      AWS_MAX_ATTEMPTS: '1',
      ...loopbackFunctionEnvironment({
        codePipeline: codePipeline.endpoint, s3: codePipeline.endpoint, credentials: reporterCredentials, emptyDirectory: empty, functionName: 'reporter',
      }),
      ...environment,
    },
  });
  let logs = '';
  let stdout = '';
  let returned = '';
  child.stdout!.on('data', chunk => {
    logs += chunk;
    stdout += chunk;
  });
  child.stderr!.on('data', chunk => logs += chunk);
  (child.stdio[3] as NodeJS.ReadableStream).on('data', chunk => returned += chunk);
  child.stdin!.end(JSON.stringify(record));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', status => resolve({ status, logs, stdout, outcome: returned ? JSON.parse(returned) : undefined }));
  });
}

function reportedFailure() {
  const calls = codePipeline.calls.filter(call => call.operation === 'PutJobFailureResult' && !call.error);
  expect(calls).toHaveLength(1);
  return calls[0].input;
}

test('an unhandled error after the retries: the job fails with the error, the condition, the attempts and the log group', async () => {
  const { status, outcome, stdout } = await invokeReporter(failureRecord({ approximateInvokeCount: 3 }));
  expect(status).toBe(0);
  const input = reportedFailure();
  expect(input).toEqual({
    jobId: JOB_ID,
    failureDetails: { type: 'JobFailed', message: expect.any(String), externalExecutionId: 'c2a6f2ae-7dbb-4d22-8782-d0485c9877e2' },
  });
  expect(input.failureDetails.message).toBe('The step\'s function smoke-test failed without reporting a result: TypeError: Cannot read properties of undefined (reading \'url\'). '
    + 'Lambda stopped after 3 attempts: its retries were exhausted (RetriesExhausted). '
    + 'Its logs: log group /aws/lambda/smoke-test in eu-west-1, request c2a6f2ae-7dbb-4d22-8782-d0485c9877e2. (Reported by the step\'s failure reporter.)');
  expect(outcome).toMatchObject({ reported: true, jobId: JOB_ID });
  // stdout: the reporter's own lines (stderr may hold the SDK's warning about this machine's Node.js 20).
  expect(stdout).toBe(`Reported job ${JOB_ID} as failed\n`);
});

test('a timeout and a killed runtime are named with what to change', async () => {
  await invokeReporter(failureRecord({ responsePayload: { errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: c2a6 Error: Task timed out after 300.00 seconds' } }));
  expect(reportedFailure().failureDetails.message).toContain('Sandbox.Timedout: RequestId: c2a6 Error: Task timed out after 300.00 seconds. '
    + 'Lambda stopped after 1 attempt: its retries were exhausted (RetriesExhausted). It ran out of time: raise the function\'s timeout.');
  codePipeline.reset();
  codePipeline.startJob(JOB_ID);
  await invokeReporter(failureRecord({ responsePayload: { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: c2a6 Error: Runtime exited with error: signal: killed' } }));
  expect(reportedFailure().failureDetails.message).toContain('Runtime.ExitError: RequestId: c2a6 Error: Runtime exited with error: signal: killed. '
    + 'Lambda stopped after 1 attempt: its retries were exhausted (RetriesExhausted). Lambda stopped its runtime, most often for running out of memory');
});

test('an event too old, which Lambda may never have run: the condition says so', async () => {
  await invokeReporter(failureRecord({ condition: 'EventAgeExceeded', approximateInvokeCount: 0, responsePayload: undefined }));
  expect(reportedFailure().failureDetails.message).toBe('The step\'s function smoke-test failed without reporting a result: '
    + 'Lambda recorded no error (the function may never have run). Lambda stopped after 0 attempts: the event grew older than the function\'s maximum event age (EventAgeExceeded). '
    + 'Its logs: log group /aws/lambda/smoke-test in eu-west-1, request c2a6f2ae-7dbb-4d22-8782-d0485c9877e2. (Reported by the step\'s failure reporter.)');
});

test('a Python error, a function\'s own log group, and a long message cut to CodePipeline\'s 5000 characters with the logs kept', async () => {
  const longMessage = `validation failed: ${'x'.repeat(6000)}`;
  await invokeReporter(failureRecord({ responsePayload: { errorType: 'ValueError', errorMessage: longMessage, stackTrace: ['  File "/var/task/index.py", line 4'] } }),
    { STEP_FUNCTION_LOG_GROUP: '/my/step-logs' });
  const message: string = reportedFailure().failureDetails.message;
  expect(message.length).toBe(5000);
  expect(message).toMatch(/^The step's function smoke-test failed without reporting a result: ValueError: validation failed: x+ \.\.\.\(truncated\)\. Lambda stopped/);
  expect(message).toMatch(/Its logs: log group \/my\/step-logs in eu-west-1, request c2a6f2ae-7dbb-4d22-8782-d0485c9877e2\. \(Reported by the step's failure reporter\.\)$/);
});

test('the job\'s secrets never reach the report or the logs, even when the function put them in its error', async () => {
  const { logs } = await invokeReporter(failureRecord({ responsePayload: { errorType: 'Error', errorMessage: `bad credentials ${ARTIFACT_SECRET} / ${ARTIFACT_TOKEN}` } }));
  const { message } = reportedFailure().failureDetails;
  expect(message).toContain('bad credentials <artifactCredentials.secretAccessKey> / <artifactCredentials.sessionToken>');
  for (const secret of [ARTIFACT_SECRET, ARTIFACT_TOKEN, reporterCredentials.secretAccessKey, reporterCredentials.sessionToken]) {
    expect(codePipeline.calls.map(call => call.body).join('\n')).not.toContain(secret);
    expect(logs).not.toContain(secret);
  }
});

test('a job that already has a result, or is gone, is left alone without an error, so Lambda does not retry', async () => {
  codePipeline.reset();
  codePipeline.startJob(JOB_ID);
  await invokeReporter(failureRecord());
  const again = await invokeReporter(failureRecord());
  expect(again.status).toBe(0);
  expect(again.outcome).toMatchObject({ reported: false, jobId: JOB_ID, reason: expect.stringContaining('InvalidJobStateException') });
  expect(codePipeline.calls.map(call => call.error)).toEqual([undefined, 'InvalidJobStateException']);
  codePipeline.reset();
  const gone = await invokeReporter(failureRecord());
  expect(gone.status).toBe(0);
  expect(gone.outcome).toMatchObject({ reported: false, reason: expect.stringContaining('JobNotFoundException') });
});

test('a record that is not of a CodePipeline job, or not of a failure, is left alone without a call', async () => {
  for (const record of [failureRecord({ requestPayload: { orderId: 42 } }), failureRecord({ condition: 'Success' }), { hello: 'world' }, 'text']) {
    const { status, outcome, stdout } = await invokeReporter(record);
    expect(status).toBe(0);
    expect(outcome).toMatchObject({ reported: false, reason: expect.stringContaining('nothing to report') });
    expect(stdout).toMatch(/^Nothing reported: [^\n]*\n$/);
  }
  expect(codePipeline.calls).toEqual([]);
});

test('CodePipeline throttling fails the reporter\'s invocation, so that Lambda retries it and then keeps the record', async () => {
  codePipeline.failNextCalls('ThrottlingException');
  const { status, logs } = await invokeReporter(failureRecord());
  expect(status).toBe(1);
  expect(logs).toContain('Invoke Error ThrottlingException');
  expect(codePipeline.calls.filter(call => !call.error)).toEqual([]);
});
