import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_lambda as lambda } from 'aws-cdk-lib';
import { LambdaInvokeStep } from '../../../src';
import { runCustomRuntimeStep, runSynthesizedStep, StepRunError } from '../../../src/testing';
import { isRunning } from '../../support/processes';
import { temporaryDirectory } from '../../support/zip';

// Custom runtimes (provided.al2023): the code's bootstrap against the Lambda Runtime API the harness
// serves on loopback. The bootstrap is AWS's bash + curl tutorial's; the steps report with curl's
// own SigV4 signing (--aws-sigv4, curl 7.75 or later).
const CODE = path.join(__dirname, '..', '..', 'fixtures', 'custom-runtime');
const run = (handler: string, options: Parameters<typeof runCustomRuntimeStep>[2] = { runtime: 'provided.al2023' }) =>
  runCustomRuntimeStep(CODE, handler, { timeoutMillis: 10_000, ...options });

/** A code directory whose bootstrap is `script`, for what the tutorial's bootstrap does not do. */
function bootstrapDirectory(script: string): string {
  const directory = temporaryDirectory('custom-runtime-');
  fs.writeFileSync(path.join(directory, 'bootstrap'), `#!/bin/bash\nset -euo pipefail\nAPI="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"\n${script}\n`, { mode: 0o755 });
  return directory;
}

test('a bash step on the tutorial\'s bootstrap reports its result with curl --aws-sigv4, and succeeds', async () => {
  const result = await run('report.handler', { runtime: 'provided.al2023' });
  expect(result.outcome).toBe('succeeded');
  expect(result.outputVariables).toEqual({ SHELL: 'bash' });
  expect(result.logs).toContainEqual(`reporting job ${result.event['CodePipeline.job'].id}`);
});

test('the tutorial\'s own handler, which reports nothing and echoes the event: no result, and its log shows no secret', async () => {
  const error: StepRunError = await run('function.handler', { runtime: 'provided.al2023' }).catch(caught => caught);
  expect(error.message).toMatch(/^The handler returned in invocation 1 without reporting a result for job/);
  expect(error.logs!.join('\n')).toContain('"secretAccessKey":"<artifactCredentials.secretAccessKey>"');
});

test('a step that echoes the event and reports fails the run for the leak', async () => {
  await expect(run('leaks.handler', { runtime: 'provided.al2023' })).rejects.toThrow(/^The step leaked the job's secrets: .*artifactCredentials\.secretAccessKey/);
});

test('a result sent after the handler returned does not count: Lambda freezes the function first', async () => {
  // Named as late when it reaches the endpoint within the runner's grace; on a busy machine it may
  // reach it after the process was stopped. Either way the job has no result.
  await expect(run('late.handler', { runtime: 'provided.al2023' })).rejects.toThrow(
    /^The handler returned in invocation 1 without reporting a result for job [0-9a-f-]{36}(: it made requests after its invocation ended \(CodePipeline PutJobSuccessResult\): Lambda freezes the function[^.]*)?\. In a pipeline/);
});

test('a bootstrap that exits before responding: the reporter fails the job with Lambda\'s Runtime.ExitError', async () => {
  const failed = await run('fails.handler', { runtime: 'provided.al2023' });
  expect(failed.outcome).toBe('failed');
  expect(failed.failureDetails?.message).toContain('failed without reporting a result: Runtime.ExitError: Runtime exited with error: exit status 3. Lambda stopped after 1 attempt');
  expect(failed.logs).toContain('no manifest in the build output');
});

test('without the reporter, a bootstrap that exits before responding leaves no result, with its exit code and its last lines on stderr', async () => {
  await expect(run('fails.handler', { runtime: 'provided.al2023', failureReporter: false }))
    .rejects.toThrow(/failed \(the process exited with code 3 before the handler settled; its last lines on stderr: "no manifest in the build output"\)/);
});

test('next gives the event with Lambda\'s headers; an error posted for the invocation is its end', async () => {
  const directory = bootstrapDirectory([
    'HEADERS="$(mktemp)"',
    'curl -sS -D "$HEADERS" -o /dev/null "$API/invocation/next"',
    'tr -d "\\r" < "$HEADERS" | grep -i "^lambda-runtime-" 1>&2',
    'ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d "[:space:]" | cut -d: -f2)',
    'curl -sS -o /dev/null -H "Lambda-Runtime-Function-Error-Type: Unhandled" -d \'{"errorMessage":"the build is red","errorType":"BuildFailed"}\' "$API/invocation/$ID/error"',
    'sleep 60',
  ].join('\n'));
  try {
    const failed = await runCustomRuntimeStep(directory, 'ignored', { runtime: 'provided.al2023', functionName: 'bash-step' });
    expect(failed.failureDetails?.message).toMatch(/^The step's function bash-step failed without reporting a result: BuildFailed: the build is red\. Lambda stopped after 1 attempt/);
    expect(failed.logs).toEqual(expect.arrayContaining([
      expect.stringMatching(/^lambda-runtime-aws-request-id: [0-9a-f-]{36}$/),
      expect.stringMatching(/^lambda-runtime-deadline-ms: \d{13}$/),
      'lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:bash-step',
      expect.stringMatching(/^lambda-runtime-trace-id: Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/),
    ]));
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

test('a runtime that reports an init error, and a response for another request id, are refused as Lambda refuses them', async () => {
  const directory = bootstrapDirectory([
    'curl -sS "$API/invocation/00000000-0000-0000-0000-000000000000/response" -d "{}" 1>&2; echo 1>&2',
    'curl -sS -d \'{"errorMessage":"no handler script","errorType":"Runtime.NoHandler"}\' "$API/init/error" -o /dev/null',
    'sleep 60',
  ].join('\n'));
  try {
    const failed = await runCustomRuntimeStep(directory, 'ignored', { runtime: 'provided.al2023' });
    expect(failed.failureDetails?.message).toContain('failed without reporting a result: Runtime.NoHandler: no handler script.');
    expect(failed.logs).toContainEqual(expect.stringContaining('"errorType":"InvalidRequestID"'));
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

test('a step past its timeout is stopped with the processes it started', async () => {
  const directory = temporaryDirectory('custom-timeout-');
  const pidFile = path.join(directory, 'child.pid');
  try {
    const failed = await run('hangs.handler', { runtime: 'provided.al2023', timeoutMillis: 1_500, environment: { CHILD_PID_FILE: pidFile } });
    expect(failed.failureDetails?.message).toContain('Sandbox.Timedout: Task timed out after 1.50 seconds.');
    expect(isRunning(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(false);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

test('a bootstrap that is missing or not executable is named', async () => {
  const directory = temporaryDirectory('no-bootstrap-');
  try {
    const bootstrap = path.join(directory, 'bootstrap');
    await expect(runCustomRuntimeStep(directory, 'x', { runtime: 'provided.al2023' })).rejects.toThrow(
      `A custom runtime starts the executable bootstrap of the function's code, and ${bootstrap} is not there`);
    fs.writeFileSync(bootstrap, '#!/bin/bash\n', { mode: 0o644 });
    await expect(runCustomRuntimeStep(directory, 'x', { runtime: 'provided.al2023' })).rejects.toThrow(`${bootstrap} is not executable`);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

test('runSynthesizedStep runs a provided.al2023 function from its asset directory', async () => {
  const stack = new Stack(new App(), 'CustomRuntime');
  const fn = new lambda.Function(stack, 'Bash', { runtime: lambda.Runtime.PROVIDED_AL2023, handler: 'report.handler', code: lambda.Code.fromAsset(CODE) });
  new LambdaInvokeStep(stack, 'Step', { existingFunction: fn });
  expect((await runSynthesizedStep(stack)).outputVariables).toEqual({ SHELL: 'bash' });
});

describe('responses sent chunked with declared trailers, as aws-lambda-go sends them', () => {
  const NODE_BOOTSTRAP = path.join(__dirname, '..', '..', 'fixtures', 'custom-runtime-node');

  test('a complete response is the invocation\'s response', async () => {
    await expect(runCustomRuntimeStep(NODE_BOOTSTRAP, 'bootstrap', { runtime: 'provided.al2023', userParameters: 'complete' }))
      .rejects.toThrow(/^The handler returned in invocation 1 without reporting a result/);
  });

  test('a response that fails midway, its error in the trailers, is a failed invocation', async () => {
    const failed = await runCustomRuntimeStep(NODE_BOOTSTRAP, 'bootstrap', { runtime: 'provided.al2023', userParameters: 'fail midway' });
    expect(failed.failureReport?.error).toEqual({ errorType: 'StreamError', errorMessage: 'the stream broke' });
  });
});
