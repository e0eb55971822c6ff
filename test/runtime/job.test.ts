import { PipelineJob } from '../../src/runtime';
import { fixtureEvent } from '../support/fixtures';
import { lambdaContext } from '../support/invoke';
import { expectFailure, jobOf, jobWithArtifacts, onlyCall, run, useRuntimeEndpoints } from '../support/runtime-harness';

useRuntimeEndpoints();

describe('2. the job', () => {
  test('gives the step the id, account, parameters and request details of the Lambda guide event', async () => {
    let seen: PipelineJob | undefined;
    let remaining = 0;
    const context = lambdaContext(45_000, 'request-1234');
    await run(async job => {
      seen = job;
      remaining = job.remainingTimeInMillis();
      return { outputVariables: {} };
    }, { ...jobWithArtifacts(), 'CodePipeline.job': { ...jobOf(jobWithArtifacts()), data: { ...jobOf(jobWithArtifacts()).data, outputArtifacts: [] } } }, {}, context);
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
    delete jobOf(event).data.actionConfiguration.configuration.UserParameters;
    await run(async job => {
      job.userParametersJson();
    }, event);
    expectFailure('ConfigurationError', /The action has no UserParameters/);
  });
});
