import * as http from 'http';
import { AddressInfo } from 'net';
import { AcknowledgeJobCommand, CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { newestNodejsRuntime } from '../../src/private/bundled-function';
import { runStep, StepRunError } from '../../src/testing';
import { fixtureEvent } from '../support/fixtures';

// What a run refuses because AWS would, in handlers written as users write them: plain SDK v3,
// callback style, logging the event.
const jobOf = (event: any) => event['CodePipeline.job'];

test('a plain SDK v3 handler (no runtime library) with default clients reads its input and succeeds', async () => {
  const plainHandler = async (event: any) => {
    const job = jobOf(event);
    const { accessKeyId, secretAccessKey, sessionToken } = job.data.artifactCredentials;
    const s3 = new S3Client({ credentials: { accessKeyId, secretAccessKey, sessionToken } });
    const { bucketName, objectKey } = job.data.inputArtifacts[0].location.s3Location;
    const zip = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: objectKey }));
    const bytes = (await zip.Body!.transformToByteArray()).length;
    await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: job.id, outputVariables: { BYTES: String(bytes) } }));
  };
  const run = await runStep(plainHandler, { inputArtifacts: { Source: { 'a.txt': 'a' } } });
  expect(run.outcome).toBe('succeeded');
  expect(Number(run.outputVariables.BYTES)).toBeGreaterThan(0);
});

test('the event looks like CodePipeline\'s: revision, object keys, FunctionName, account and bucket', async () => {
  const run = await runStep(async (event: any) => {
    await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: jobOf(event).id }));
  }, {
    inputArtifacts: { SourceArtifact: {} },
    outputArtifacts: ['BuildOutput'],
    inputRevisions: { SourceArtifact: 'abc123' },
    accountId: '210987654321',
    bucket: 'my-artifact-bucket',
    pipelineName: 'release-pipeline',
    functionName: 'smoke-test-fn',
  });
  const job = jobOf(run.event);
  expect(job.accountId).toBe('210987654321');
  expect(job.data.actionConfiguration.configuration.FunctionName).toBe('smoke-test-fn');
  expect(job.data.inputArtifacts[0]).toMatchObject({ name: 'SourceArtifact', revision: 'abc123', location: { type: 'S3', s3Location: { bucketName: 'my-artifact-bucket' } } });
  expect(job.data.inputArtifacts[0].location.s3Location.objectKey).toMatch(/^release-pipeline\/SourceArti\/[A-Za-z0-9]{7}$/);
  expect(job.data.outputArtifacts[0].location.s3Location.objectKey).toMatch(/^release-pipeline\/BuildOutpu\/[A-Za-z0-9]{7}$/);
  expect(job.data.artifactCredentials.expirationTime).toBeGreaterThan(Date.now());
  const defaults = await runStep(async (event: any) => {
    await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: jobOf(event).id }));
  }, { inputArtifacts: { Source: {} } });
  expect(jobOf(defaults.event).data.inputArtifacts[0].revision).toMatch(/^[0-9a-f]{40}$/);
});

describe('no result: the action would wait 20 minutes', () => {
  test('a handler that only acknowledges the job', async () => {
    const acknowledges = async (event: any) => {
      await new CodePipelineClient({}).send(new AcknowledgeJobCommand({ jobId: jobOf(event).id, nonce: '1' }));
    };
    await expect(runStep(acknowledges)).rejects.toThrow(/it called AcknowledgeJob, which only confirms .* must call PutJobSuccessResult or PutJobFailureResult\. In a pipeline the action would wait 20 minutes for a result and then fail\. To report, wrap the handler in pipelineJobHandler/);
  });

  test('a handler that reports for another job id', async () => {
    const otherJob = async () => {
      await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: '00000000-0000-4000-8000-000000000000' })).catch(() => undefined);
    };
    await expect(runStep(otherJob)).rejects.toThrow(/it called PutJobSuccessResult for job 00000000-0000-4000-8000-000000000000, not the job it was invoked for \([0-9a-f-]{36}\), and CodePipeline answered JobNotFoundException/);
  });

  test('a handler that reports after its invocation ended (a promise left unawaited)', async () => {
    const late = async (event: any) => {
      setTimeout(() => void new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: jobOf(event).id })).catch(() => undefined), 20);
    };
    await expect(runStep(late)).rejects.toThrow(/it made requests after its invocation ended \(CodePipeline PutJobSuccessResult\): Lambda freezes the function/);
  });

  test('a result the model refuses is named with the service\'s words', async () => {
    const tooLong = async (event: any) => {
      await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: jobOf(event).id, executionDetails: { summary: 'x'.repeat(3000) } })).catch(() => undefined);
    };
    await expect(runStep(tooLong)).rejects.toThrow(/CodePipeline refused its PutJobSuccessResult: ValidationException: 1 validation error detected: .*'executionDetails.summary'/);
  });
});

describe('callback-style handlers', () => {
  const callbackHandler = (event: any, _context: unknown, callback: (error?: Error | null) => void) => {
    new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: jobOf(event).id })).then(() => callback(null), callback);
  };

  test.each(['nodejs24.x', 'nodejs26.x'] as const)('are refused on %s with the runtime named and the change to make', async runtime => {
    await expect(runStep(callbackHandler, { runtime })).rejects.toThrow(new StepRunError(`The handler takes a callback (event, context, callback), which the Lambda ${runtime} runtime no longer supports: make the handler async and return (or throw) instead, or run the function on nodejs22.x. In a pipeline every invocation would fail, and the action would wait 20 minutes for a result`));
    const succeedHandler = async (event: any, context: any) => {
      await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: jobOf(event).id }));
      context.succeed();
    };
    await expect(runStep(succeedHandler, { runtime })).rejects.toThrow(new RegExp(`^The handler called context\\.succeed\\(\\), which the Lambda ${runtime} runtime no longer has: make the handler async`));
  });

  test('are refused by default, as on the runtime a step made from entry gets', async () => {
    await expect(runStep(callbackHandler)).rejects.toThrow(`which the Lambda ${newestNodejsRuntime().name} runtime no longer supports`);
  });

  test('the tutorial\'s shape (not async, the result sent and context.succeed called later) ends at once from nodejs24.x on', async () => {
    const tutorialHandler = (event: any, context: any) => {
      void new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: jobOf(event).id })).then(() => context.succeed(), () => undefined);
    };
    await expect(runStep(tutorialHandler)).rejects.toThrow(/it is not async: it returned without a promise, so its invocation ended there .*it made requests after its invocation ended \(CodePipeline PutJobSuccessResult\)/);
  });

  test('run on nodejs22.x, as Lambda runs them', async () => {
    const run = await runStep(callbackHandler, { runtime: 'nodejs22.x' });
    expect(run.outcome).toBe('succeeded');
  });
});

test('nothing the handler sends after the run reaches the developer\'s own AWS settings', async () => {
  const sentinelRequests: string[] = [];
  const sentinel = http.createServer((request, response) => {
    sentinelRequests.push(`${request.method} ${request.url}`);
    response.end();
  });
  await new Promise<void>(resolve => sentinel.listen(0, '127.0.0.1', resolve));
  const developerAws = `http://127.0.0.1:${(sentinel.address() as AddressInfo).port}`;
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ENDPOINT_URL: developerAws, AWS_ENDPOINT_URL_S3: developerAws, AWS_ENDPOINT_URL_CODEPIPELINE: developerAws, AWS_ACCESS_KEY_ID: 'DEVELOPER', AWS_SECRET_ACCESS_KEY: 'developer' });
  let lateAttempts = 0;
  try {
    let settled!: () => void;
    const lateWorkDone = new Promise<void>(resolve => settled = resolve);
    const run = await runStep(async (event: any) => {
      await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: jobOf(event).id }));
      setTimeout(async () => {
        const calls = [
          new S3Client({ forcePathStyle: true, maxAttempts: 1 }).send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' })),
          new CodePipelineClient({ maxAttempts: 1 }).send(new PutJobSuccessResultCommand({ jobId: jobOf(event).id })),
        ];
        lateAttempts = (await Promise.allSettled(calls)).filter(outcome => outcome.status === 'rejected').length;
        settled();
      }, 300);
    });
    expect(run.outcome).toBe('succeeded');
    expect(process.env.AWS_ENDPOINT_URL_S3).toBe(developerAws);
    await lateWorkDone;
    expect(lateAttempts).toBe(2);
    expect(sentinelRequests).toEqual([]);
  } finally {
    process.env = saved;
    await new Promise(resolve => sentinel.close(resolve));
  }
});

describe('credential leaks', () => {
  // As AWS's Lambda guide sample does.
  const logsTheEvent = async (event: any) => {
    console.log('Received event:', JSON.stringify(event, null, 2));
    await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: jobOf(event).id }));
  };

  test('a handler that logs the event fails the run, naming the secrets and lines, never their values', async () => {
    const error = await runStep(logsTheEvent).then(() => undefined, (thrown: StepRunError) => thrown);
    expect(error).toBeInstanceOf(StepRunError);
    expect(error!.message).toMatch(/^The step leaked the job's secrets: artifactCredentials\.secretAccessKey in log line \d+, artifactCredentials\.sessionToken in log line \d+\. /);
    expect(error!.logs!.join('\n')).toContain('<artifactCredentials.secretAccessKey>');
  });

  test('with failOnCredentialLeak: false the leaks are listed in the result, and the logs are redacted', async () => {
    const run = await runStep(logsTheEvent, { failOnCredentialLeak: false });
    const { secretAccessKey } = jobOf(run.event).data.artifactCredentials;
    expect(run.credentialLeaks.map(leak => leak.secret)).toEqual(['artifactCredentials.secretAccessKey', 'artifactCredentials.sessionToken']);
    expect(run.logs[run.credentialLeaks[0].line! - 1]).toContain('<artifactCredentials.secretAccessKey>');
    expect(run.logs.join('\n')).not.toContain(secretAccessKey);
  });

  test('console.log(event), which Lambda prints two levels deep, shows no credentials and passes', async () => {
    const run = await runStep(async (event: any) => {
      console.log(event);
      await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: jobOf(event).id }));
    });
    expect(run.credentialLeaks).toEqual([]);
    expect(run.logs.join('\n')).toContain('[Object]');
  });

  test('the function role\'s secret in a failure message is a leak too', async () => {
    const run = runStep(async (event: any) => {
      await new CodePipelineClient({}).send(new PutJobFailureResultCommand({ jobId: jobOf(event).id, failureDetails: { type: 'JobFailed', message: `env: ${process.env.AWS_SECRET_ACCESS_KEY}` } }));
    });
    await expect(run).rejects.toThrow(/AWS_SECRET_ACCESS_KEY in the PutJobFailureResult request/);
  });
});

test('a job event whose artifact credentials have expired: S3 refuses them with ExpiredToken', async () => {
  const event = fixtureEvent('job-with-artifacts');
  const data = jobOf(event).data;
  data.artifactCredentials.expirationTime = Date.now() - 60_000;
  const readsInput = async (received: any) => {
    const job = jobOf(received);
    const { accessKeyId, secretAccessKey, sessionToken } = job.data.artifactCredentials;
    const { bucketName, objectKey } = job.data.inputArtifacts[0].location.s3Location;
    const outcome = await new S3Client({ credentials: { accessKeyId, secretAccessKey, sessionToken } })
      .send(new GetObjectCommand({ Bucket: bucketName, Key: objectKey })).then(() => 'read', (error: Error) => error.name);
    await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: job.id, outputVariables: { READ: outcome } }));
  };
  const run = await runStep(readsInput, { event, inputArtifacts: { [data.inputArtifacts[0].name]: { 'a.txt': 'a' } } });
  expect(run.outputVariables.READ).toBe('ExpiredToken');
});
