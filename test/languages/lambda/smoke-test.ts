import { JobFailure, pipelineJobHandler } from 'cdk-lambda-invoke-step/runtime';

interface SmokeTestParameters {
  readonly url?: string;
}

export const handler = pipelineJobHandler(async job => {
  const { url } = job.userParametersJson<SmokeTestParameters>();
  if (!url) {
    throw new JobFailure('UserParameters must hold a "url"', 'ConfigurationError');
  }
  const sourceFiles = (await job.inputArtifact('Source').entries()).filter(entry => !entry.isDirectory);
  console.log(`smoke testing ${url} with ${sourceFiles.length} source files`);
  const report = { url, sourceFiles: sourceFiles.map(entry => entry.path) };
  await job.outputArtifact('Report').write({ 'report.json': JSON.stringify(report, undefined, 2) });
  return {
    outputVariables: { REPORT_URL: `${url}/reports/${job.id}` },
    summary: `smoke test of ${url} passed (${sourceFiles.length} source files)`,
  };
});
