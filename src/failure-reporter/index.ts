/**
 * The step's failure reporter, as Lambda runs it: the on-failure destination of the step's function.
 * Built into lib/assets/failure-reporter/index.js (scripts/build-failure-reporter.mjs), which the
 * construct deploys; the AWS SDK is the one the Lambda Node.js runtime provides.
 */
// eslint-disable-next-line import/no-extraneous-dependencies -- the Lambda Node.js runtime provides the SDK; jsii refuses it as a peer (see .projenrc.ts)
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { reportFailedInvocation } from './report';
import type { ReporterOutcome } from './report';
import { FAILURE_REPORTER_LOG_GROUP_ENV } from '../common/wire-format';

const codePipeline = new CodePipelineClient({});

export async function handler(record: unknown): Promise<ReporterOutcome> {
  return reportFailedInvocation(record, codePipeline, line => console.log(line), process.env[FAILURE_REPORTER_LOG_GROUP_ENV] || undefined);
}
