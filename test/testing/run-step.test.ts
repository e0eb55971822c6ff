import * as fs from 'fs';
import { CodePipelineClient, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { handler as exampleHandler } from '../../example/smoke-test';
import { runStep, StepRunError } from '../../src/testing';
import { handler as continuingHandler } from '../fixtures/continuing-handler';
import { temporaryDirectory, writeFiles } from '../support/zip';

const SOURCE = { 'index.html': '<h1>hi</h1>', 'src/app.js': 'console.log(1)' };

function activeHandles(): number {
  return (process as any)._getActiveHandles().length;
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
  expect(run.outputArtifactEncryption.Report).toEqual({ serverSideEncryption: undefined, kmsKeyId: undefined });
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
  expect(run.outputArtifactEncryption.Report).toEqual({ serverSideEncryption: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/local' });
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

test('a handler that never reports times out with a clear error, and nothing is left running', async () => {
  const before = activeHandles();
  const started = Date.now();
  await expect(runStep(() => new Promise(() => undefined), { timeoutMillis: 300 }))
    .rejects.toThrow(new StepRunError('The handler did not finish within its 300 ms timeout and reported no result in invocation 1: in a pipeline the action would wait until it timed out'));
  expect(Date.now() - started).toBeLessThan(3_000);
  expect(activeHandles()).toBeLessThanOrEqual(before);
});

test('a handler that returns without reporting, or throws, is a clear error', async () => {
  await expect(runStep(async () => undefined)).rejects.toThrow(/^The handler returned and reported no result in invocation 1/);
  await expect(runStep(async () => {
    throw new Error('boom');
  })).rejects.toThrow(/^The handler returned an error \(Error: boom\) and reported no result in invocation 1/);
});

test('a handler that reports twice is a clear error', async () => {
  const reportsTwice = async (event: any) => {
    const client = new CodePipelineClient({});
    const jobId = event['CodePipeline.job'].id;
    await client.send(new PutJobSuccessResultCommand({ jobId }));
    await client.send(new PutJobSuccessResultCommand({ jobId }));
    client.destroy();
  };
  await expect(runStep(reportsTwice)).rejects.toThrow('The handler reported 2 results in invocation 1 (PutJobSuccessResult, PutJobSuccessResult); CodePipeline takes one');
});

test('more than 5 artifacts are refused', async () => {
  const six = Object.fromEntries(['A', 'B', 'C', 'D', 'E', 'F'].map(name => [name, {}]));
  await expect(runStep(exampleHandler, { inputArtifacts: six }))
    .rejects.toThrow('inputArtifacts names 6 artifacts (A, B, C, D, E, F); a Lambda invoke action takes at most 5');
  await expect(runStep(exampleHandler, { outputArtifacts: ['1', '2', '3', '4', '5', '6'] }))
    .rejects.toThrow('outputArtifacts names 6 artifacts (1, 2, 3, 4, 5, 6); a Lambda invoke action takes at most 5');
});

test('the process environment and console are restored after a run', async () => {
  const consoleInfo = console.info;
  await runStep(continuingHandler);
  expect(process.env.AWS_ENDPOINT_URL_CODEPIPELINE).toBeUndefined();
  expect(console.info).toBe(consoleInfo);
});
