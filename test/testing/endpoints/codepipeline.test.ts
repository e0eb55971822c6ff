import { randomUUID } from 'crypto';
import {
  AcknowledgeJobCommand, CodePipelineClient, GetPipelineStateCommand, PutJobFailureResultCommand, PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
import { LoopbackCodePipeline } from '../../../src/testing/endpoints/codepipeline';
import { CODEPIPELINE_MODEL } from '../../../src/testing/endpoints/codepipeline-model.generated';
import type { KnownCredentials } from '../../../src/testing/endpoints/sigv4';

// The loopback CodePipeline endpoint checks what the service checks, driven by the real SDK client.
const artifact: KnownCredentials = { accessKeyId: 'ASIAARTIFACT0000001', secretAccessKey: 'artifact-secret', sessionToken: 'artifact-token', principal: 'artifact' };
const role: KnownCredentials = { accessKeyId: 'ASIAFUNCTIONROLE001', secretAccessKey: 'role-secret', sessionToken: 'role-token', principal: 'function' };
let endpoint: LoopbackCodePipeline;
let jobId: string;

beforeAll(async () => {
  endpoint = await LoopbackCodePipeline.start({ credentials: [artifact, role] });
});
afterAll(() => endpoint.stop());
beforeEach(() => {
  endpoint.reset();
  jobId = randomUUID();
  endpoint.startJob(jobId);
});

function client(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = role) {
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  return new CodePipelineClient({ endpoint: endpoint.endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey, sessionToken }, maxAttempts: 1 });
}

async function refusal(send: Promise<unknown>): Promise<string> {
  const error = await send.then(() => undefined, (thrown: Error) => thrown);
  expect(error).toBeDefined();
  return `${error!.name}: ${error!.message}`;
}

describe('signatures and credentials', () => {
  test('the function role\'s credentials are accepted', async () => {
    await client().send(new PutJobSuccessResultCommand({ jobId }));
    expect(endpoint.calls.map(call => [call.operation, call.error])).toEqual([['PutJobSuccessResult', undefined]]);
  });

  test('the job\'s artifact credentials are refused with AccessDeniedException', async () => {
    expect(await refusal(client(artifact).send(new PutJobSuccessResultCommand({ jobId })))).toMatch(/^AccessDeniedException: .*artifact credentials are not authorized to perform: codepipeline:PutJobSuccessResult/);
  });

  test.each([
    ['an unknown access key', { ...role, accessKeyId: 'ASIAUNKNOWN00000001' }, /^UnrecognizedClientException: The security token included in the request is invalid/],
    ['a wrong secret', { ...role, secretAccessKey: 'wrong' }, /^InvalidSignatureException: The request signature we calculated does not match/],
    ['a wrong session token', { ...role, sessionToken: 'other' }, /^UnrecognizedClientException/],
  ])('%s is refused', async (_, credentials, expected) => {
    expect(await refusal(client(credentials).send(new PutJobSuccessResultCommand({ jobId })))).toMatch(expected);
  });

  test('expired credentials get ExpiredTokenException', async () => {
    const expired = { ...role, accessKeyId: 'ASIAEXPIRED00000001', expiresAt: Date.now() - 1000 };
    const withExpired = await LoopbackCodePipeline.start({ credentials: [expired] });
    try {
      const expiredClient = new CodePipelineClient({ endpoint: withExpired.endpoint, region: 'us-east-1', credentials: expired, maxAttempts: 1 });
      expect(await refusal(expiredClient.send(new PutJobSuccessResultCommand({ jobId })))).toMatch(/^ExpiredTokenException/);
    } finally {
      await withExpired.stop();
    }
  });

  test('a request signed for another service is refused and recorded, never answered as a success', async () => {
    const s3 = new S3Client({ endpoint: endpoint.endpoint, region: 'us-east-1', credentials: role, maxAttempts: 1 });
    await expect(s3.send(new ListBucketsCommand({}))).rejects.toThrow();
    expect(endpoint.calls[0]).toMatchObject({ operation: expect.stringMatching(/^s3:/), error: 'UnknownServiceException' });
  });

  test('an operation the step\'s role may not call is AccessDeniedException', async () => {
    expect(await refusal(client().send(new GetPipelineStateCommand({ name: 'p' })))).toMatch(/^AccessDeniedException: .*codepipeline:GetPipelineState/);
  });
});

describe(`the API model (${CODEPIPELINE_MODEL.source})`, () => {
  const failure = (failureDetails: any) => client().send(new PutJobFailureResultCommand({ jobId, failureDetails }));

  test.each([
    ['a failure type outside the enum', { type: 'Broken', message: 'm' }, "Value 'Broken' at 'failureDetails.type' failed to satisfy constraint: Member must satisfy enum value set: [JobFailed, ConfigurationError, PermissionError, RevisionOutOfSync, RevisionUnavailable, SystemUnavailable]"],
    ['an empty message', { type: 'JobFailed', message: '' }, "Value '' at 'failureDetails.message' failed to satisfy constraint: Member must have length greater than or equal to 1"],
    ['a message of 5001 characters', { type: 'JobFailed', message: 'x'.repeat(5001) }, "at 'failureDetails.message' failed to satisfy constraint: Member must have length less than or equal to 5000"],
    ['an externalExecutionId of 1501 characters', { type: 'JobFailed', message: 'm', externalExecutionId: 'x'.repeat(1501) }, 'Member must have length less than or equal to 1500'],
  ])('%s is a ValidationException', async (_, details, expected) => {
    const refused = await refusal(failure(details));
    expect(refused).toMatch(/^ValidationException: 1 validation error detected: /);
    expect(refused).toContain(expected);
  });

  test.each([
    ['summary', { executionDetails: { summary: 'x'.repeat(2049) } }, "'executionDetails.summary' failed to satisfy constraint: Member must have length less than or equal to 2048"],
    ['percentComplete', { executionDetails: { percentComplete: 101 } }, "'executionDetails.percentComplete' failed to satisfy constraint: Member must have value less than or equal to 100"],
    ['continuationToken', { continuationToken: 'x'.repeat(2049) }, "'continuationToken' failed to satisfy constraint: Member must have length less than or equal to 2048"],
    ['output variable name', { outputVariables: { 'NOT VALID': 'v' } }, 'Member must satisfy regular expression pattern: [A-Za-z0-9@\\-_]+'],
    ['currentRevision', { currentRevision: { revision: 'r' } }, "Value null at 'currentRevision.changeIdentifier' failed to satisfy constraint: Member must not be null"],
  ])('PutJobSuccessResult: a bad %s is a ValidationException', async (_, input, expected) => {
    expect(await refusal(client().send(new PutJobSuccessResultCommand({ jobId, ...input } as any)))).toContain(expected);
  });

  test('several violations are counted, as the service counts them', async () => {
    expect(await refusal(failure({ type: 'Nope', message: '' }))).toMatch(/^ValidationException: 2 validation errors detected: /);
  });

  test('a job id that is not a job id fails the model\'s pattern', async () => {
    expect(await refusal(client().send(new PutJobSuccessResultCommand({ jobId: 'job-1' })))).toContain("Value 'job-1' at 'jobId' failed to satisfy constraint: Member must satisfy regular expression pattern");
  });

  test('output variables over the 122,880-byte quota are OutputVariablesSizeExceededException', async () => {
    const outputVariables = { BIG: 'x'.repeat(122_880) };
    expect(await refusal(client().send(new PutJobSuccessResultCommand({ jobId, outputVariables })))).toMatch(/^OutputVariablesSizeExceededException/);
  });

  test('output variables with a continuation token are refused', async () => {
    expect(await refusal(client().send(new PutJobSuccessResultCommand({ jobId, continuationToken: 't', outputVariables: { A: 'b' } })))).toMatch(/^ValidationException: outputVariables can only be set/);
  });
});

describe('the job\'s state', () => {
  test('a second result is InvalidJobStateException', async () => {
    await client().send(new PutJobSuccessResultCommand({ jobId }));
    expect(await refusal(client().send(new PutJobSuccessResultCommand({ jobId })))).toMatch(/^InvalidJobStateException/);
  });

  test('a result for a job that is not running is JobNotFoundException', async () => {
    expect(await refusal(client().send(new PutJobSuccessResultCommand({ jobId: randomUUID() })))).toMatch(/^JobNotFoundException/);
  });

  test('AcknowledgeJob is answered but completes nothing', async () => {
    const answer = await client().send(new AcknowledgeJobCommand({ jobId, nonce: '1' }));
    expect(answer.status).toBe('InProgress');
    await client().send(new PutJobSuccessResultCommand({ jobId }));
  });

  test('after the invocation ends, calls are refused as late and recorded', async () => {
    endpoint.endInvocation();
    expect(await refusal(client().send(new PutJobSuccessResultCommand({ jobId })))).toMatch(/^InvocationEnded: .*Lambda freezes the function/);
    expect(endpoint.calls[0]).toMatchObject({ operation: 'PutJobSuccessResult', late: true });
  });
});
