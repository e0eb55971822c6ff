import { fixtureEvent, fixtureSecrets } from './fixtures';
import { CapturingLogger, invoke, lambdaContext } from './invoke';
import { LoopbackS3 } from './s3';
import { zipFiles } from './zip';
import { ArtifactCredentials, PipelineJobHandlerOptions, PipelineJobStep, pipelineJobHandler } from '../../src/runtime';
import { LoopbackCodePipeline } from '../../src/testing/endpoints/codepipeline';

// The runtime's tests share this: s3rver (a third-party S3 implementation) and the loopback
// CodePipeline endpoint, a logger that keeps every line, and after every test a search of all
// captured output for the fixtures' secrets.

export const FIXTURE_BUCKET = 'codepipeline-us-west-2-123456789012';
export const FIXTURE_INPUT_KEY = 'my-pipeline/SourceArti/Xk3pQ9z';
export const FIXTURE_OUTPUT_KEY = 'my-pipeline/ReportArti/Lm8vR2c';
export const KMS_KEY = 'arn:aws:kms:us-west-2:123456789012:key/9e8d7c6b-5a49-4382-9170-fedcba987654';

export let s3: LoopbackS3;
export let codePipeline: LoopbackCodePipeline;
export let logger: CapturingLogger;
export let thrown: Error[];
export let s3Credentials: ArtifactCredentials[];

/** Registers the shared endpoints and the secret search in the calling test file. */
export function useRuntimeEndpoints() {
  beforeAll(async () => {
    s3 = await LoopbackS3.start([FIXTURE_BUCKET, 'codepipeline-us-east-1-111111111111']);
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
}

export function handler(step: PipelineJobStep, options: PipelineJobHandlerOptions = {}) {
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

export async function run(step: PipelineJobStep, event: unknown, options: PipelineJobHandlerOptions = {}, context = lambdaContext(60_000)) {
  const jobId = (event as any)?.['CodePipeline.job']?.id;
  if (typeof jobId === 'string') {
    codePipeline.startJob(jobId);
  }
  const error = await invoke(handler(step, options), event, context);
  if (error) {
    thrown.push(error);
  }
  return error;
}

export function onlyCall() {
  expect(codePipeline.calls).toHaveLength(1);
  return codePipeline.calls[0];
}

export function expectFailure(type: string, message: RegExp | string) {
  const call = onlyCall();
  expect(call.operation).toBe('PutJobFailureResult');
  expect(call.input.failureDetails.type).toBe(type);
  expect(call.input.failureDetails.message).toMatch(message);
  return call.input.failureDetails;
}

export const jobWithArtifacts = () => fixtureEvent('job-with-artifacts');
export const jobOf = (event: any) => event['CodePipeline.job'];

export async function putFixtureInput(files: Record<string, string | Buffer>) {
  await s3.put(FIXTURE_BUCKET, FIXTURE_INPUT_KEY, zipFiles(files));
}

