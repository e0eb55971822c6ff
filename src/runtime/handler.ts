import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import { CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import type { FailureDetails, PutJobSuccessResultInput } from '@aws-sdk/client-codepipeline';
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import type { S3Client } from '@aws-sdk/client-s3';
import { JobFailure, MalformedJobEventError } from './errors';
import { credentialSecrets, parseJobEvent } from './event';
import { PipelineJob } from './job';
import { redact } from './redact';
import { failureDetails, successRequest } from './results';
import { s3Module } from './s3-sdk';
import type { ArtifactCredentials, JobEvent, JobResult, LambdaContext, Logger } from './types';
import { DECLARED_OUTPUT_VARIABLES_ENV } from '../common/wire-format';

export const DEFAULT_TIMEOUT_MARGIN_MILLIS = 10_000;

export interface PipelineJobHandlerOptions {
  /** @default a CodePipelineClient with the function's own credentials and region */
  readonly codePipelineClient?: CodePipelineClient;
  /** Builds the S3 client for the job's artifacts from the job's temporary credentials. @default new S3Client({ credentials }) */
  readonly createS3Client?: (credentials: ArtifactCredentials) => S3Client;
  /** @default console */
  readonly logger?: Logger;
  /**
   * How long before the function's timeout the runtime gives up on an unfinished step and
   * reports a failure, so that the action never waits for CodePipeline's 20 minute timeout.
   * It must leave time to report: a PutJobFailureResult call usually takes well under a second.
   *
   * @default 10000
   */
  readonly timeoutMarginMillis?: number;
  /**
   * Output variables the step must report before it may succeed.
   *
   * @default the JSON array in the CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES environment variable, which LambdaInvokeStep sets from `outputVariables`
   */
  readonly declaredOutputVariables?: string[];
}

/** Your function of the job: it does the step's work and returns its result. */
export type PipelineJobStep = (job: PipelineJob) => Promise<JobResult | void> | JobResult | void;

/**
 * The former name of `PipelineJobStep`, which read as AWS Step Functions.
 * @deprecated use `PipelineJobStep`
 */
export type StepFunction = PipelineJobStep;

/** The Lambda handler `pipelineJobHandler` returns. */
export type PipelineJobLambdaHandler = (event: unknown, context: LambdaContext) => Promise<void>;

/** Errors CodePipeline returns when the job can no longer take a result: it finished, or timed out. */
const JOB_NO_LONGER_ACCEPTS_RESULTS = new Set(['InvalidJobStateException', 'JobNotFoundException']);

type Scrub = (text: string) => string;
const unchanged: Scrub = text => text;

type Outcome =
  | { readonly kind: 'returned'; readonly result: JobResult | void }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'timedOut'; readonly budgetMillis: number };

/**
 * Turns the function of the job you write (what the step does) into a Lambda handler for a CodePipeline Invoke/Lambda action.
 * The handler reports exactly one result per invocation, never logs the event or its credentials,
 * and fails the job itself before the function times out.
 */
export function pipelineJobHandler(jobFunction: PipelineJobStep, options: PipelineJobHandlerOptions = {}): PipelineJobLambdaHandler {
  const logger = options.logger ?? console;
  // Reused across invocations (warm starts keep the connection), but rebuilt when the endpoint
  // configuration changes, as it does between local runs against endpoints on random ports.
  let defaultCodePipeline: { endpoint?: string; client: CodePipelineClient } | undefined;
  const codePipeline = () => {
    if (options.codePipelineClient) {
      return options.codePipelineClient;
    }
    const endpoint = process.env.AWS_ENDPOINT_URL_CODEPIPELINE ?? process.env.AWS_ENDPOINT_URL;
    if (!defaultCodePipeline || defaultCodePipeline.endpoint !== endpoint) {
      defaultCodePipeline?.client.destroy();
      defaultCodePipeline = { endpoint, client: new CodePipelineClient({}) };
    }
    return defaultCodePipeline.client;
  };

  return async (event, context) => {
    let jobEvent: JobEvent;
    try {
      jobEvent = parseJobEvent(event);
    } catch (error) {
      logger.error((error as Error).message);
      if (!(error instanceof MalformedJobEventError)) {
        // No job id: nothing to report to. Throwing sends the event to the failure destination.
        throw error;
      }
      // The event's credentials were not read, so nothing in this message can carry them.
      await reportFailure(codePipeline(), error.jobId, failureDetails(new JobFailure(error.message, 'ConfigurationError'), context.awsRequestId, unchanged), logger);
      return;
    }
    await runJob(jobEvent, context, jobFunction, options, codePipeline(), logger);
  };
}

async function runJob(
  jobEvent: JobEvent,
  context: LambdaContext,
  jobFunction: PipelineJobStep,
  options: PipelineJobHandlerOptions,
  codePipeline: CodePipelineClient,
  logger: Logger,
) {
  const secrets = credentialSecrets(jobEvent.credentials);
  const scrub = (text: string) => redact(text, secrets, () => '[REDACTED]');
  const log: Logger = {
    info: message => logger.info(scrub(`[job ${jobEvent.id}] ${message}`)),
    warn: message => logger.warn(scrub(`[job ${jobEvent.id}] ${message}`)),
    error: message => logger.error(scrub(`[job ${jobEvent.id}] ${message}`)),
  };
  const tempDirectory = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pipeline-job-'));
  let open = true;
  let s3: Promise<S3Client> | undefined;
  const stop = new AbortController();
  const job = new PipelineJob(jobEvent, {
    s3: () => s3 ??= options.createS3Client ? Promise.resolve(options.createS3Client(jobEvent.credentials!)) : defaultS3Client(jobEvent.credentials!),
    tempDirectory,
    encryptionKeyId: jobEvent.encryptionKeyId,
    signal: stop.signal,
    assertOpen: () => {
      if (!open) {
        throw new Error('The job\'s result has already been reported: its artifacts can no longer be used');
      }
    },
  }, context.awsRequestId, () => context.getRemainingTimeInMillis());

  log.info(`started${job.isContinuation ? ' (continuation)' : ''}, request ${context.awsRequestId}`);
  try {
    const outcome = await runWithDeadline(jobFunction, job, context, options.timeoutMarginMillis ?? DEFAULT_TIMEOUT_MARGIN_MILLIS);
    open = false;
    if (outcome.kind === 'timedOut') {
      stop.abort(new Error('the step ran out of time'));
    }
    const result = resultToReport(outcome, job, options, context.awsRequestId, scrub);
    if ('failure' in result) {
      const stack = outcome.kind === 'threw' && outcome.error instanceof Error ? `\n${outcome.error.stack}` : '';
      log.error(`failing the job (${result.failure.type}): ${result.failure.message}${stack}`);
      await reportFailure(codePipeline, job.id, result.failure, log, scrub);
    } else {
      await reportSuccess(codePipeline, result.success, log, scrub);
    }
  } finally {
    open = false;
    stop.abort(new Error('the invocation ended'));
    await job.close();
    (await s3?.catch(() => undefined))?.destroy();
    await fs.promises.rm(tempDirectory, { recursive: true, force: true });
  }
}

async function runWithDeadline(jobFunction: PipelineJobStep, job: PipelineJob, context: LambdaContext, marginMillis: number): Promise<Outcome> {
  const budgetMillis = context.getRemainingTimeInMillis() - marginMillis;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome>(resolve => {
    timer = setTimeout(() => resolve({ kind: 'timedOut', budgetMillis }), Math.max(budgetMillis, 0));
  });
  const work = (async () => jobFunction(job))().then<Outcome, Outcome>(
    result => ({ kind: 'returned', result }),
    error => ({ kind: 'threw', error }),
  );
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

type Report = { success: PutJobSuccessResultInput } | { failure: FailureDetails };

function resultToReport(outcome: Outcome, job: PipelineJob, options: PipelineJobHandlerOptions, requestId: string, scrub: Scrub): Report {
  // Redacted before the message is cut to the service limit, so no part of a secret survives the cut.
  const fail = (error: unknown) => ({ failure: failureDetails(error, requestId, scrub) });
  switch (outcome.kind) {
    case 'timedOut':
      return fail(new JobFailure(`The step ran out of time: it had not finished ${Math.max(outcome.budgetMillis, 0)} ms into the invocation, `
        + 'which leaves the runtime its margin before the Lambda function times out. Raise the function\'s timeout, or split the work with job.continueLater().'));
    case 'threw':
      return fail(outcome.error);
    case 'returned':
      try {
        const success = successRequest(job.id, outcome.result, requestId, options.declaredOutputVariables ?? declaredFromEnvironment());
        const unwritten = job.unwrittenOutputArtifacts;
        if (!success.continuationToken && unwritten.length > 0) {
          throw new JobFailure(`The step did not write its output artifacts: ${unwritten.join(', ')}`);
        }
        return { success };
      } catch (error) {
        return fail(error);
      }
  }
}

function declaredFromEnvironment(): string[] | undefined {
  const value = process.env[DECLARED_OUTPUT_VARIABLES_ENV];
  if (value === undefined) {
    return undefined;
  }
  let names: unknown;
  try {
    names = JSON.parse(value);
  } catch {
    names = undefined;
  }
  if (!Array.isArray(names) || !names.every(name => typeof name === 'string')) {
    throw new JobFailure(`${DECLARED_OUTPUT_VARIABLES_ENV} must be a JSON array of variable names, got '${value}'`, 'ConfigurationError');
  }
  return names;
}

async function reportSuccess(codePipeline: CodePipelineClient, request: PutJobSuccessResultInput, log: Logger, scrub: Scrub) {
  const kind = request.continuationToken ? 'continuation' : 'success';
  await send(() => codePipeline.send(new PutJobSuccessResultCommand(request)), kind, log, scrub);
}

async function reportFailure(codePipeline: CodePipelineClient, jobId: string, failure: FailureDetails, log: Logger, scrub: Scrub = unchanged) {
  await send(() => codePipeline.send(new PutJobFailureResultCommand({ jobId, failureDetails: failure })), 'failure', log, scrub);
}

async function send(call: () => Promise<unknown>, kind: string, log: Logger, scrub: Scrub) {
  try {
    await call();
    log.info(`reported ${kind}`);
  } catch (error) {
    const { name, message } = error as Error;
    if (JOB_NO_LONGER_ACCEPTS_RESULTS.has(name)) {
      log.warn(`CodePipeline no longer takes a result for this job (${name}): it has already finished or timed out; the ${kind} was not reported`);
      return;
    }
    const failure = `Could not report the job's ${kind} to CodePipeline (${name}: ${message}); failing the invocation so Lambda retries it`;
    log.error(failure);
    throw new Error(scrub(failure), { cause: error });
  }
}

async function defaultS3Client(credentials: ArtifactCredentials): Promise<S3Client> {
  return new (await s3Module()).S3Client({ credentials });
}
