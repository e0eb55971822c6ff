/**
 * CodePipeline's and Lambda's limits that no SDK checks on the client: the one table the construct
 * (at synthesis) and the function's runtime (before it reports a result) read. Change a limit here;
 * test/common/limits.test.ts then names the docs that quote it. The local harness keeps its own
 * limits, from the services' published model, so that a wrong value here is caught, not mirrored.
 */

/** A count or a number of characters, seconds or bytes, and where the limit is written. */
export interface Range {
  readonly min: number;
  readonly max: number;
  readonly source: string;
}

/** A name's pattern, and where the rule is written. */
export interface NamePattern {
  readonly pattern: RegExp;
  readonly source: string;
}

const CODEPIPELINE_LAMBDA_ACTION = 'CodePipeline action reference, Lambda invoke';
const LAMBDA_ASYNC = 'Lambda asynchronous invocation';

export const LIMITS = {
  /** Input or output artifacts of one action. */
  artifacts: { min: 0, max: 5, source: CODEPIPELINE_LAMBDA_ACTION },
  /** A resolved action configuration value, such as UserParameters. */
  configurationValue: { min: 1, max: 1000, source: 'CodePipeline action configuration value' },
  runOrder: { min: 1, max: 999, source: 'CodePipeline API model ActionRunOrder' },
  actionName: { pattern: /^[A-Za-z0-9.@\-_]{1,100}$/, source: 'CodePipeline API model ActionName' },
  variablesNamespace: { pattern: /^[A-Za-z0-9@\-_]{1,100}$/, source: 'CodePipeline API model ActionNamespace' },
  /** The model sets no length; 128 is the step's cap. */
  outputVariableName: { pattern: /^[A-Za-z0-9@\-_]{1,128}$/, source: 'CodePipeline API model OutputVariablesKey' },

  retryAttempts: { min: 0, max: 2, source: LAMBDA_ASYNC },
  maxEventAgeSeconds: { min: 60, max: 6 * 60 * 60, source: LAMBDA_ASYNC },
  failureQueueRetentionSeconds: { min: 60, max: 14 * 24 * 60 * 60, source: 'SQS MessageRetentionPeriod' },

  /** An object, which past 5 GiB must be uploaded in parts: the most an output artifact's zip may be. */
  objectBytes: { min: 0, max: 5 * 1024 ** 4, source: 'S3 multipart upload limits' },
  multipartParts: { min: 1, max: 10_000, source: 'S3 multipart upload limits' },

  /** What a job result may carry (PutJobSuccessResult, PutJobFailureResult). */
  result: {
    summary: { min: 1, max: 2048, source: 'CodePipeline API model ExecutionSummary' },
    externalExecutionId: { min: 1, max: 1500, source: 'CodePipeline API model ExecutionId' },
    percentComplete: { min: 0, max: 100, source: 'CodePipeline API model Percentage' },
    continuationToken: { min: 1, max: 2048, source: 'CodePipeline API model ContinuationToken' },
    failureMessage: { min: 1, max: 5000, source: 'CodePipeline API model Message' },
    /** Names and values together, UTF-8. */
    outputVariablesBytes: { min: 0, max: 122_880, source: 'CodePipeline quotas, output variables per action' },
    revision: { min: 1, max: 1500, source: 'CodePipeline API model Revision' },
    changeIdentifier: { min: 1, max: 100, source: 'CodePipeline API model RevisionChangeIdentifier' },
    revisionSummary: { min: 1, max: 2048, source: 'CodePipeline API model RevisionSummary' },
  },
} as const satisfies Record<string, Range | NamePattern | Record<string, Range>>;
