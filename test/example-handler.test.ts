import * as os from 'os';
import { fixtureEvent, fixtureSecrets } from './support/fixtures';
import { invoke, lambdaContext } from './support/invoke';
import { LoopbackS3 } from './support/s3';
import { unzipFiles, zipFiles } from './support/zip';
import { handler } from '../example/smoke-test';
import { LoopbackCodePipeline } from '../src/testing/endpoints/codepipeline';
import { loopbackFunctionEnvironment } from '../src/testing/endpoints/function-environment';

// The example's handler as written, with the runtime's default clients: the standard SDK
// environment variables point them at the loopback endpoints.
const BUCKET = 'codepipeline-us-west-2-123456789012';
let s3: LoopbackS3;
let codePipeline: LoopbackCodePipeline;
const savedEnvironment = { ...process.env };

beforeAll(async () => {
  s3 = await LoopbackS3.start([BUCKET]);
  codePipeline = await LoopbackCodePipeline.start();
  Object.assign(process.env, loopbackFunctionEnvironment({
    codePipeline: codePipeline.endpoint, s3: s3.endpoint, credentials: codePipeline.functionCredentials, emptyDirectory: os.tmpdir(),
  }));
});

afterAll(async () => {
  process.env = savedEnvironment;
  await s3?.stop();
  await codePipeline?.stop();
});

function exampleEvent(userParameters: string) {
  const event = fixtureEvent('job-with-artifacts');
  const data = event['CodePipeline.job'].data;
  data.actionConfiguration.configuration.UserParameters = userParameters;
  data.inputArtifacts[0].name = 'Source';
  data.outputArtifacts[0].name = 'Report';
  s3.client(data.artifactCredentials).destroy();
  codePipeline.startJob(event['CodePipeline.job'].id);
  return { event, data };
}

test('the example handler reads the source, writes the report and reports the variable', async () => {
  const { event, data } = exampleEvent('{"url":"https://example.com"}');
  await s3.put(BUCKET, data.inputArtifacts[0].location.s3Location.objectKey, zipFiles({ 'index.html': '<h1/>', 'src/app.js': '1' }));
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'info').mockImplementation((...args) => void lines.push(args.join(' ')));
  try {
    expect(await invoke(handler, event, lambdaContext(60_000))).toBeUndefined();
  } finally {
    spy.mockRestore();
  }

  expect(codePipeline.calls).toHaveLength(1);
  expect(codePipeline.calls[0]).toMatchObject({
    operation: 'PutJobSuccessResult',
    input: {
      outputVariables: { REPORT_URL: 'https://example.com/reports/5f0b2c7e-3d41-4a8e-9c6b-2e7f1a9d4b30' },
      executionDetails: { summary: 'smoke test of https://example.com passed (2 source files)' },
    },
  });
  const report = unzipFiles(await s3.get(BUCKET, data.outputArtifacts[0].location.s3Location.objectKey));
  const written = JSON.parse(report['report.json'].toString());
  expect(written.url).toBe('https://example.com');
  expect(written.sourceFiles.sort()).toEqual(['index.html', 'src/app.js']);
  for (const secret of fixtureSecrets()) {
    expect(lines.join('\n')).not.toContain(secret);
  }
});
