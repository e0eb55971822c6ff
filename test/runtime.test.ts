import * as fs from 'fs';
import * as path from 'path';
import type { CodePipelineEvent, Context, Handler } from 'aws-lambda';
import { fixtureEvent, fixtureSecrets } from './support/fixtures';
import { CapturingLogger, invoke, lambdaContext } from './support/invoke';
import { LoopbackS3 } from './support/s3';
import { listFiles, temporaryDirectory, unzipFiles, writeFiles, zipFiles, zipSlipArchive } from './support/zip';
import { ArtifactCredentials, JobFailure, NotAJobEventError, PipelineJob, PipelineJobHandlerOptions, StepFunction, pipelineJobHandler } from '../src/runtime';
import { LoopbackCodePipeline } from '../src/testing/endpoints/codepipeline';

const GUIDE_BUCKET = 'codepipeline-us-west-2-123456789012';
const GUIDE_INPUT_KEY = 'my-pipeline/SourceArti/Xk3pQ9z';
const GUIDE_OUTPUT_KEY = 'my-pipeline/ReportArti/Lm8vR2c';
const KMS_KEY = 'arn:aws:kms:us-west-2:123456789012:key/9e8d7c6b-5a49-4382-9170-fedcba987654';

let s3: LoopbackS3;
let codePipeline: LoopbackCodePipeline;
let logger: CapturingLogger;
let thrown: Error[];
let s3Credentials: ArtifactCredentials[];

beforeAll(async () => {
  s3 = await LoopbackS3.start([GUIDE_BUCKET, 'codepipeline-us-east-1-111111111111']);
  codePipeline = await LoopbackCodePipeline.start();
});

afterAll(async () => {
  await s3?.stop();
  await codePipeline?.stop();
});

beforeEach(() => {
  codePipeline.reset();
  s3.requests.length = 0;
  logger = new CapturingLogger();
  thrown = [];
  s3Credentials = [];
});

afterEach(() => {
  // Every path: nothing logged, thrown or reported to CodePipeline may carry a fixture secret.
  const captured = [
    ...logger.lines,
    ...thrown.flatMap(error => [error.message, error.stack ?? '']),
    ...codePipeline.calls.map(call => call.body),
  ].join('\n');
  for (const secret of fixtureSecrets()) {
    expect(captured).not.toContain(secret);
  }
});

function handler(step: StepFunction, options: PipelineJobHandlerOptions = {}) {
  return pipelineJobHandler(step, {
    codePipelineClient: codePipeline.client(),
    createS3Client: credentials => {
      s3Credentials.push(credentials);
      return s3.client(credentials);
    },
    logger,
    ...options,
  });
}

async function run(step: StepFunction, event: unknown, options: PipelineJobHandlerOptions = {}, context = lambdaContext()) {
  const error = await invoke(handler(step, options), event, context);
  if (error) {
    thrown.push(error);
  }
  return error;
}

function onlyCall() {
  expect(codePipeline.calls).toHaveLength(1);
  return codePipeline.calls[0];
}

function expectFailure(type: string, message: RegExp | string) {
  const call = onlyCall();
  expect(call.operation).toBe('PutJobFailureResult');
  expect(call.input.failureDetails.type).toBe(type);
  expect(call.input.failureDetails.message).toMatch(message);
  return call.input.failureDetails;
}

const guideEvent = () => fixtureEvent('job-with-artifacts');
const guideJob = (event: any) => event['CodePipeline.job'];

async function putGuideInput(files: Record<string, string | Buffer>) {
  await s3.put(GUIDE_BUCKET, GUIDE_INPUT_KEY, zipFiles(files));
}

test('the handler fits aws-lambda\'s types: Handler<CodePipelineEvent>, called with a full Lambda Context', async () => {
  // The runtime's own types are minimal so users need no @types/aws-lambda; they must still fit it.
  const typed: Handler<CodePipelineEvent, void> = handler(async () => ({ summary: 'typed' }));
  const context = { ...lambdaContext(), functionName: 'f', callbackWaitsForEmptyEventLoop: true } as unknown as Context;
  await typed(fixtureEvent('continued-job') as CodePipelineEvent, context, () => undefined);
  expect(onlyCall().input.executionDetails.summary).toBe('typed');
});

describe('1. the event', () => {
  test.each([
    ['null', null, /it has no `CodePipeline.job` object/],
    ['an S3 event', { Records: [{ s3: {} }] }, /it has no `CodePipeline.job` object/],
    ['a job without an id', { 'CodePipeline.job': { data: {} } }, /`CodePipeline.job.id` is missing or not a string/],
  ])('%s is refused with an error naming what is missing, and no job call', async (_, event, message) => {
    const step = jest.fn();
    const error = await run(step, event);
    expect(error).toBeInstanceOf(NotAJobEventError);
    expect(error!.message).toMatch(message);
    expect(logger.lines).toEqual([expect.stringMatching(message)]);
    expect(step).not.toHaveBeenCalled();
    expect(codePipeline.calls).toHaveLength(0);
  });

  test('an id without usable data fails that job as a ConfigurationError, without echoing the event', async () => {
    const event = guideEvent();
    guideJob(event).data.inputArtifacts[0].location = 'somewhere';
    const step = jest.fn();
    expect(await run(step, event)).toBeUndefined();
    expect(step).not.toHaveBeenCalled();
    const failure = expectFailure('ConfigurationError', /malformed: `CodePipeline.job.data.inputArtifacts\[0\]` needs a name and location.s3Location/);
    expect(codePipeline.calls[0].input.jobId).toBe(guideJob(event).id);
    expect(failure.message).not.toContain(GUIDE_BUCKET);
  });

  test('artifacts without credentials are refused', async () => {
    const event = guideEvent();
    delete guideJob(event).data.artifactCredentials;
    await run(jest.fn(), event);
    expectFailure('ConfigurationError', /artifactCredentials` must hold accessKeyId, secretAccessKey and sessionToken/);
  });
});

describe('2. the job', () => {
  test('gives the step the id, account, parameters and request details of the Lambda guide event', async () => {
    let seen: PipelineJob | undefined;
    let remaining = 0;
    const context = lambdaContext(45_000, 'request-1234');
    await run(async job => {
      seen = job;
      remaining = job.remainingTimeInMillis();
      return { outputVariables: {} };
    }, { ...guideEvent(), 'CodePipeline.job': { ...guideJob(guideEvent()), data: { ...guideJob(guideEvent()).data, outputArtifacts: [] } } }, {}, context);
    expect(seen).toMatchObject({ id: '5f0b2c7e-3d41-4a8e-9c6b-2e7f1a9d4b30', accountId: '123456789012', userParameters: '{"KEY": "VALUE"}', requestId: 'request-1234' });
    expect(seen!.userParametersJson()).toEqual({ KEY: 'VALUE' });
    expect(seen!.isContinuation).toBe(false);
    expect(seen!.inputArtifactNames).toEqual(['SourceArtifact']);
    expect(remaining).toBeGreaterThan(40_000);
    expect(remaining).toBeLessThanOrEqual(45_000);
    expect(onlyCall().operation).toBe('PutJobSuccessResult');
  });

  test('gives a continued job its state, from the action reference event', async () => {
    let seen: PipelineJob | undefined;
    await run(async job => {
      seen = job;
    }, fixtureEvent('continued-job'));
    expect(seen!.isContinuation).toBe(true);
    expect(seen!.continuationState).toBe('round-1-of-3');
    expect(seen!.userParameters).toBe('target=blue');
  });

  test('UserParameters that are not JSON fail the job as a ConfigurationError that does not repeat them', async () => {
    await run(async job => {
      job.userParametersJson();
    }, fixtureEvent('continued-job'));
    const failure = expectFailure('ConfigurationError', 'The action\'s UserParameters are not valid JSON (11 characters)');
    expect(failure.message).not.toContain('target=blue');
  });

  test('missing UserParameters asked for as JSON fail as a ConfigurationError', async () => {
    const event = fixtureEvent('continued-job');
    delete guideJob(event).data.actionConfiguration.configuration.UserParameters;
    await run(async job => {
      job.userParametersJson();
    }, event);
    expectFailure('ConfigurationError', /The action has no UserParameters/);
  });
});

describe('3. artifacts', () => {
  const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256));

  test('input: lists entries and reads nested text and binary files with the job credentials', async () => {
    await putGuideInput({ 'manifest.json': '{"version":3}', 'dist/app/main.js': 'console.log(1);', 'assets/logo.bin': binary });
    const read: any = {};
    await run(async job => {
      const input = job.inputArtifact('SourceArtifact');
      read.entries = (await input.entries()).map(entry => `${entry.path}:${entry.size}`).sort();
      read.manifest = await input.readText('manifest.json');
      read.main = await input.readText('./dist/app/main.js');
      read.logo = await input.readBytes('assets/logo.bin');
      read.revision = input.revision;
      return {};
    }, { 'CodePipeline.job': { ...guideJob(guideEvent()), data: { ...guideJob(guideEvent()).data, outputArtifacts: [] } } });

    expect(onlyCall().operation).toBe('PutJobSuccessResult');
    expect(read.entries).toEqual(['assets/logo.bin:4096', 'dist/app/main.js:15', 'manifest.json:13']);
    expect(read.manifest).toBe('{"version":3}');
    expect(read.main).toBe('console.log(1);');
    expect(Buffer.compare(read.logo, binary)).toBe(0);
    expect(read.revision).toBe('9f2c4e1a7b3d5f6081a2b3c4d5e6f708192a3b4c');

    const credentials = guideJob(guideEvent()).data.artifactCredentials;
    expect(s3Credentials).toEqual([expect.objectContaining({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    })]);
    const get = s3.requests.find(request => request.method === 'GET')!;
    expect(get.url.split('?')[0]).toBe(`/${GUIDE_BUCKET}/${GUIDE_INPUT_KEY}`);
    expect(get.headers.authorization).toContain(`Credential=${credentials.accessKeyId}/`);
    expect(get.headers['x-amz-security-token']).toBe(credentials.sessionToken);
    expect(s3.requests.filter(request => request.method === 'GET')).toHaveLength(1);
  });

  test('input: extracts every entry to a directory', async () => {
    await putGuideInput({ 'a.txt': 'A', 'deep/er/b.txt': 'B', 'bin/c.bin': binary });
    const target = temporaryDirectory();
    let written: string[] = [];
    await run(async job => {
      written = await job.inputArtifact('SourceArtifact').extractTo(path.join(target, 'out'));
      await job.outputArtifact('ReportArtifact').write({ 'ok.txt': 'ok' });
    }, guideEvent());
    expect(onlyCall().operation).toBe('PutJobSuccessResult');
    expect(written.sort()).toEqual(['a.txt', 'bin/c.bin', 'deep/er/b.txt']);
    expect(listFiles(path.join(target, 'out'))).toEqual(['a.txt', 'bin/c.bin', 'deep/er/b.txt']);
    expect(fs.readFileSync(path.join(target, 'out', 'deep/er/b.txt'), 'utf8')).toBe('B');
    expect(Buffer.compare(fs.readFileSync(path.join(target, 'out', 'bin/c.bin')), binary)).toBe(0);
    fs.rmSync(target, { recursive: true, force: true });
  });

  test('input: an entry escaping the target directory (zip-slip) is refused and nothing is written', async () => {
    await s3.put(GUIDE_BUCKET, GUIDE_INPUT_KEY, zipSlipArchive());
    const target = temporaryDirectory();
    await run(async job => {
      await job.inputArtifact('SourceArtifact').extractTo(path.join(target, 'out'));
    }, guideEvent());
    expectFailure('JobFailed', /Input artifact 'SourceArtifact' has an entry that escapes the target directory, refused: .*\.\.\/escaped\.txt/);
    expect(fs.existsSync(path.join(target, 'escaped.txt'))).toBe(false);
    expect(fs.existsSync(path.join(target, 'out'))).toBe(false);
    fs.rmSync(target, { recursive: true, force: true });
  });

  test('input: a file that is not in the artifact is an error listing what is', async () => {
    await putGuideInput({ 'a.txt': 'A', 'b.txt': 'B' });
    await run(async job => {
      await job.inputArtifact('SourceArtifact').readText('c.txt');
    }, guideEvent());
    expectFailure('JobFailed', 'Input artifact \'SourceArtifact\' has no file \'c.txt\'; it holds: a.txt, b.txt');
  });

  test('input: an artifact that is not a zip is a clear error', async () => {
    await s3.put(GUIDE_BUCKET, GUIDE_INPUT_KEY, Buffer.from('not a zip at all'));
    await run(async job => {
      await job.inputArtifact('SourceArtifact').entries();
    }, guideEvent());
    expectFailure('JobFailed', /Input artifact 'SourceArtifact' is not a readable zip file: /);
  });

  test('input: a missing S3 object is a clear error naming where it looked', async () => {
    const event = guideEvent();
    guideJob(event).data.inputArtifacts[0].location.s3Location.objectKey = 'nothing/here';
    await run(async job => {
      await job.inputArtifact('SourceArtifact').entries();
    }, event);
    expectFailure('JobFailed', `Could not read input artifact 'SourceArtifact' from s3://${GUIDE_BUCKET}/nothing/here: NoSuchKey`);
  });

  test('output: writes nested text and binary files as a zip, with default encryption when the job has no key', async () => {
    await run(async job => {
      await job.outputArtifact('ReportArtifact').write({ 'report.json': '{"ok":true}', 'nested/deeper/data.bin': binary });
    }, guideEvent());
    expect(onlyCall().operation).toBe('PutJobSuccessResult');
    const files = unzipFiles(await s3.get(GUIDE_BUCKET, GUIDE_OUTPUT_KEY));
    expect(Object.keys(files)).toEqual(['nested/deeper/data.bin', 'report.json']);
    expect(files['report.json'].toString()).toBe('{"ok":true}');
    expect(Buffer.compare(files['nested/deeper/data.bin'], binary)).toBe(0);
    const put = s3.requests.find(request => request.method === 'PUT' && request.url.startsWith(`/${GUIDE_BUCKET}/${GUIDE_OUTPUT_KEY}`))!;
    expect(put.headers['x-amz-server-side-encryption']).toBeUndefined();
  });

  test('output: writes a directory, and uses SSE-KMS with the job\'s key when the event has one', async () => {
    const source = temporaryDirectory();
    writeFiles(source, { 'index.html': '<h1>hi</h1>', 'css/site.css': 'body{}', 'img/x.bin': binary });
    const event = guideEvent();
    guideJob(event).data.encryptionKey = { id: KMS_KEY, type: 'KMS' };
    await run(async job => {
      await job.outputArtifact('ReportArtifact').write(source);
    }, event);
    expect(onlyCall().operation).toBe('PutJobSuccessResult');
    const files = unzipFiles(await s3.get(GUIDE_BUCKET, GUIDE_OUTPUT_KEY));
    expect(Object.keys(files)).toEqual(['css/site.css', 'img/x.bin', 'index.html']);
    expect(Buffer.compare(files['img/x.bin'], binary)).toBe(0);
    const put = s3.requests.find(request => request.method === 'PUT' && request.url.startsWith(`/${GUIDE_BUCKET}/${GUIDE_OUTPUT_KEY}`))!;
    expect(put.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(KMS_KEY);
    fs.rmSync(source, { recursive: true, force: true });
  });

  test.each([['../up.txt'], ['/etc/passwd'], ['']])('output: the path %p is refused', async badPath => {
    await run(async job => {
      await job.outputArtifact('ReportArtifact').write({ [badPath]: 'x' });
    }, guideEvent());
    expectFailure('JobFailed', `Output artifact file paths must be relative paths inside the artifact, got '${badPath}'`);
  });

  test('an artifact name the job does not have is an error listing the names it has', async () => {
    await run(async job => {
      job.inputArtifact('BuildOutput');
    }, guideEvent());
    expectFailure('JobFailed', 'The job has no input artifact \'BuildOutput\'; its input artifacts are: \'SourceArtifact\'');
    codePipeline.reset();
    await run(async job => {
      job.outputArtifact('Report');
    }, guideEvent());
    expectFailure('JobFailed', 'The job has no output artifact \'Report\'; its output artifacts are: \'ReportArtifact\'');
  });

  test('a success that left an output artifact unwritten is reported as a failure naming it', async () => {
    await run(async () => ({ summary: 'forgot the report' }), guideEvent());
    expectFailure('JobFailed', 'The step did not write its output artifacts: ReportArtifact');
  });
});

describe('4. results', () => {
  const noOutputs = () => {
    const event = guideEvent();
    guideJob(event).data.outputArtifacts = [];
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
    await run(async job => job.continueLater('later'), guideEvent());
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

  test('a step that throws a non-error or an empty message still gives a readable failure', async () => {
    await run(async () => {
      throw new Error('');
    }, noOutputs());
    expectFailure('JobFailed', 'The step failed without a message');
  });

  test('declared output variables that were not returned fail the job, naming them', async () => {
    await run(async () => ({ outputVariables: { REPORT_URL: 'u' } }), noOutputs(), { declaredOutputVariables: ['REPORT_URL', 'COMMIT', 'TAG'] });
    expectFailure('JobFailed', 'The step did not report the output variables it declares: COMMIT, TAG');
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

describe('5. never a hung action', () => {
  test('a step still running at the margin before the function timeout is failed as out of time, once', async () => {
    const started = Date.now();
    let finishLate: () => void = () => undefined;
    const error = await run(job => new Promise(resolve => {
      finishLate = () => resolve({ outputVariables: { LATE: 'yes' } });
      void job;
    }), fixtureEvent('continued-job'), { timeoutMarginMillis: 1_000 }, lambdaContext(1_500));
    expect(error).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_400);
    expectFailure('JobFailed', /^The step ran out of time: it had not finished \d+ ms into the invocation/);
    finishLate();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(codePipeline.calls).toHaveLength(1);
  });

  test('after the result is reported, a late step can no longer touch the artifacts', async () => {
    let lateError: unknown;
    let finishLate: () => Promise<void> = async () => undefined;
    await run(job => new Promise(() => {
      finishLate = async () => {
        lateError = await job.outputArtifact('ReportArtifact').write({ a: 'b' }).catch(error => error);
      };
    }), guideEvent(), { timeoutMarginMillis: 1_000 }, lambdaContext(1_200));
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
    const event = guideEvent();
    const { secretAccessKey, sessionToken } = guideJob(event).data.artifactCredentials;
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
    const event = guideEvent();
    const { secretAccessKey } = guideJob(event).data.artifactCredentials;
    await run(async () => {
      throw new Error(`${'x'.repeat(4980)}${secretAccessKey}`);
    }, event);
    const failure = expectFailure('JobFailed', /^x{4980}\[REDACTED\]$/);
    expect(failure.message).not.toContain(secretAccessKey.slice(0, 5));
  });

  test('the step\'s stack is logged with the failure, redacted', async () => {
    const event = guideEvent();
    const { sessionToken } = guideJob(event).data.artifactCredentials;
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
      await invoke(unlogged, { 'CodePipeline.job': { data: guideJob(guideEvent()).data } });
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
