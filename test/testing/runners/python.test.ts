import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_lambda as lambda } from 'aws-cdk-lib';
import { LambdaInvokeStep } from '../../../src';
import { runPythonStep, runSynthesizedStep, StepRunError } from '../../../src/testing';
import { PythonStepOptions } from '../../../src/testing/run-step';
import { isRunning } from '../../support/processes';
import { temporaryDirectory } from '../../support/zip';

// Python functions run as Lambda's Python runtime runs them, with boto3 as users write it. The
// interpreter is Debian's /usr/bin/python3 with its python3-boto3 (boto3 1.26, botocore 1.29: older
// than the AWS_ENDPOINT_URL_* variables), which .ci/run installs; PYTHON_FOR_TESTS names another.
const PYTHON = process.env.PYTHON_FOR_TESTS ?? '/usr/bin/python3';
const CODE = path.join(__dirname, '..', '..', 'fixtures', 'python-steps');
const SOURCE = { 'index.html': '<h1>hi</h1>', 'src/app.py': 'print(1)' };

const runPython = (handler: string, options: Partial<PythonStepOptions> = {}) =>
  runPythonStep(CODE, handler, { runtime: 'python3.11', python: PYTHON, ...options });

test('a boto3 step reads its input with the job\'s credentials, writes its output and reports a variable', async () => {
  const run = await runPython('list_files.handler', { inputArtifacts: { Source: SOURCE }, outputArtifacts: ['Listing'] });
  expect(run.outcome).toBe('succeeded');
  expect(run.outputVariables).toEqual({ FILE_COUNT: '2' });
  expect(JSON.parse(run.outputArtifacts.Listing['files.json'].toString())).toEqual(['index.html', 'src/app.py']);
  expect(run.logs).toEqual([expect.stringMatching(/^listed 2 files for request [0-9a-f-]{36}, \d+ ms left$/)]);
  expect(run.calls.map(call => call.operation)).toEqual(['PutJobSuccessResult']);
});

test('the context and environment are Lambda\'s, logging is formatted as Lambda formats it, and nothing of the developer\'s shows', async () => {
  const saved = process.env.HTTPS_PROXY;
  process.env.HTTPS_PROXY = 'http://127.0.0.1:9';
  try {
    const run = await runPython('handlers.shows_context', { functionName: 'list-files', memoryMb: 256, timeoutMillis: 30_000 });
    const line = run.logs.find(logged => logged.startsWith('[WARNING]'))!;
    const [level, time, requestId, message] = line.split('\t');
    expect(level).toBe('[WARNING]');
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const context = JSON.parse(message.replace(/^context /, ''));
    expect(context).toEqual({
      function_name: 'list-files',
      function_version: '$LATEST',
      memory_limit_in_mb: '256',
      invoked_function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:list-files',
      log_group_name: '/aws/lambda/list-files',
      log_stream_name: expect.stringMatching(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/),
      aws_request_id: requestId,
      remaining: expect.any(Number),
      handler: 'handlers.shows_context',
      task_root: CODE,
      region: 'us-east-1',
      proxy: null,
    });
    expect(context.remaining).toBeLessThanOrEqual(30_000);
    expect(run.logs.join('\n')).not.toContain('not shown');
  } finally {
    if (saved === undefined) {
      delete process.env.HTTPS_PROXY;
    } else {
      process.env.HTTPS_PROXY = saved;
    }
  }
});

test('the user guide\'s CloudFormation step reads its template with the job\'s credentials, then fails the job with its own message: CloudFormation is refused in the protocol boto3 speaks', async () => {
  const run = await runPython('cloudformation_stack.handler', {
    inputArtifacts: { Template: { 'template.json': '{"Resources":{}}' } },
    userParameters: { stack: 'my-stack', artifact: 'Template', file: 'template.json' },
  });
  expect(run.outcome).toBe('failed');
  expect(run.failureDetails).toEqual({
    type: 'JobFailed',
    message: 'Function exception: An error occurred (UnknownServiceException) when calling the DescribeStacks operation: '
      + "The local run serves CodePipeline and S3 only; this request was signed for 'cloudformation', which the harness does not model",
  });
  expect(run.logs).toContain('read template.json: 16 characters');
  expect(run.calls.map(call => [call.operation, call.error])).toEqual([['cloudformation:/', 'UnknownServiceException'], ['PutJobFailureResult', undefined]]);
});

describe('the false passes stay impossible', () => {
  test('printing the event leaks the artifact credentials: the run fails, naming the secret, never showing it', async () => {
    const error: StepRunError = await runPython('handlers.prints_event', { inputArtifacts: { Source: SOURCE } }).catch(caught => caught);
    expect(error).toBeInstanceOf(StepRunError);
    expect(error.message).toMatch(/^The step leaked the job's secrets: .*artifactCredentials\.secretAccessKey/);
    expect(error.logs!.join('\n')).toContain('<artifactCredentials.secretAccessKey>');
  });

  test('an escaping exception is logged as Lambda logs it, and the failure reporter fails the job with it', async () => {
    const run = await runPython('handlers.raises');
    expect(run.outcome).toBe('failed');
    expect(run.failureDetails?.message).toMatch(/^The step's function local-step failed without reporting a result: ValueError: the build output has no manifest\.json\. Lambda stopped after 1 attempt/);
    // One log event, as Lambda's Python runtime writes it: the error, then the handler's frames.
    expect(run.logs).toEqual([expect.stringMatching(/^\[ERROR\] ValueError: the build output has no manifest\.json\nTraceback \(most recent call last\):\n\u00a0{2}File ".*handlers\.py", line \d+, in raises\n/)]);
  });

  test('without the failure reporter, an escaping exception leaves the job without a result', async () => {
    const error: StepRunError = await runPython('handlers.raises', { failureReporter: false }).catch(caught => caught);
    expect(error.message).toMatch(/^The handler failed \(ValueError: the build output has no manifest\.json\) in invocation 1 without reporting a result .* would wait 20 minutes/);
  });

  test('returning without reporting', async () => {
    await expect(runPython('handlers.forgets_to_report')).rejects.toThrow(/^The handler returned in invocation 1 without reporting a result for job/);
  });

  test('reporting for another job', async () => {
    // boto3 raises CodePipeline's JobNotFoundException, which escapes the handler: the job fails with it.
    const run = await runPython('handlers.reports_another_job');
    expect(run.outcome).toBe('failed');
    expect(run.calls.map(call => [call.operation, call.input.jobId, call.error])).toEqual([
      ['PutJobSuccessResult', '11111111-2222-4333-8444-555555555555', 'JobNotFoundException'],
      ['PutJobFailureResult', run.event['CodePipeline.job'].id, undefined],
    ]);
    expect(run.failureDetails?.message).toContain('failed without reporting a result: JobNotFoundException: An error occurred (JobNotFoundException) when calling the PutJobSuccessResult operation');
  });

  test('reading the artifacts with the function\'s own role is refused as at the artifact bucket', async () => {
    const run = await runPython('handlers.reads_with_its_own_role', { inputArtifacts: { Source: SOURCE } });
    expect(run.outcome).toBe('failed');
    expect(run.failureDetails?.message).toMatch(/AccessDenied/);
  });

  test('a handler past its timeout is stopped with every process it started, and the run says it timed out', async () => {
    const directory = temporaryDirectory('python-timeout-');
    const pidFile = path.join(directory, 'child.pid');
    try {
      const run = await runPython('handlers.hangs', { timeoutMillis: 1_500, environment: { CHILD_PID_FILE: pidFile } });
      expect(run.failureDetails?.message).toContain('Sandbox.Timedout: Task timed out after 1.50 seconds.');
      const child = Number(fs.readFileSync(pidFile, 'utf8'));
      expect(isRunning(child)).toBe(false);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  test('a result sent after the handler returned does not count: Lambda freezes the function first', async () => {
    // Named as late when it reaches the endpoint within the runner's grace; on a busy machine it may
    // reach it after the process was stopped. Either way the job has no result.
    await expect(runPython('handlers.reports_after_returning')).rejects.toThrow(
      /^The handler returned in invocation 1 without reporting a result for job [0-9a-f-]{36}(: it made requests after its invocation ended \(CodePipeline PutJobSuccessResult\): Lambda freezes the function[^.]*)?\. In a pipeline/);
  });

  test('a handler that cannot be imported is Lambda\'s Runtime.ImportModuleError', async () => {
    const missingModule = await runPython('missing_module.handler');
    expect(missingModule.failureDetails?.message).toContain('Runtime.ImportModuleError: Unable to import module \'missing_module\': No module named \'missing_module\'. '
      + 'Lambda stopped after 1 attempt: its retries were exhausted (RetriesExhausted). The function could not start: check its handler setting and its code.');
    const missingHandler = await runPython('handlers.missing');
    expect(missingHandler.failureDetails?.message).toContain('Runtime.HandlerNotFound: Handler \'missing\' missing on module \'handlers\'.');
  });
});

test('an interpreter that cannot be started is named, with what to do', async () => {
  await expect(runPython('list_files.handler', { python: '/no/such/python3' })).rejects.toThrow(
    "The Python interpreter '/no/such/python3' could not be started: install Python 3.11 or pass `python` (the path of an interpreter; with the CLI, --python <interpreter>)");
});

test('another Python version than the runtime\'s is said in the run\'s warnings', async () => {
  const run = await runPython('list_files.handler', { runtime: 'python3.99', inputArtifacts: { Source: SOURCE }, outputArtifacts: ['Listing'] });
  expect(run.warnings).toEqual([expect.stringMatching(/^The function's runtime is python3\.99, but the handler ran on Python 3\.\d+\.\d+ \(\/usr\/bin\/python3|.*\): pass `python` \(with the CLI, --python <interpreter>\) to run it on 3\.99$/)]);
});

test('runSynthesizedStep runs a Python existingFunction from its asset directory, and inline code as index.py', async () => {
  for (const code of [lambda.Code.fromAsset(CODE), lambda.Code.fromInline(fs.readFileSync(path.join(CODE, 'list_files.py'), 'utf8'))]) {
    const stack = new Stack(new App(), 'PythonStep');
    const inline = code instanceof lambda.InlineCode;
    const fn = new lambda.Function(stack, 'ListFiles', { runtime: lambda.Runtime.PYTHON_3_11, handler: inline ? 'index.handler' : 'list_files.handler', code, memorySize: 512 });
    new LambdaInvokeStep(stack, 'Step', { existingFunction: fn });
    const run = await runSynthesizedStep(stack, { python: PYTHON, inputArtifacts: { Source: SOURCE }, outputArtifacts: ['Listing'] });
    expect(run.outputVariables).toEqual({ FILE_COUNT: '2' });
  }
});
