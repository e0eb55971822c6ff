import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { runBundledStep, runCustomRuntimeStep, runJavaStep, runPythonStep, StepRun } from '../../../src/testing';
import { clientsPython, goStep, javaStep, MAVEN_REPOSITORY } from '../../support/aws-clients';

// A sentinel server stands for the developer's AWS settings: endpoint variables, proxies, a
// profile. Whatever the runner, the function reaches only the run's loopback endpoints.
const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');
const PYTHON = process.env.PYTHON_FOR_TESTS ?? '/usr/bin/python3';
const DEVELOPER_SETTINGS = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_CODEPIPELINE', 'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'AWS_PROFILE', 'AWS_REGION', 'JAVA_TOOL_OPTIONS'];
let sentinel: http.Server;
let requests: string[];
let saved: NodeJS.ProcessEnv;

beforeAll(async () => {
  // The Go and Java steps are built once for every test file that runs them (support/aws-clients).
  await goStep();
  await javaStep();
  sentinel = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.end();
  });
  await new Promise<void>(resolve => sentinel.listen(0, '127.0.0.1', resolve));
}, 600_000);

afterAll(() => new Promise(resolve => sentinel.close(resolve)));

beforeEach(() => {
  requests = [];
  saved = { ...process.env };
  const address = `http://127.0.0.1:${(sentinel.address() as AddressInfo).port}`;
  for (const name of DEVELOPER_SETTINGS) {
    const { port } = sentinel.address() as AddressInfo;
    process.env[name] = name === 'AWS_PROFILE' ? 'developer' : name === 'AWS_REGION' ? 'eu-north-1'
      : name === 'JAVA_TOOL_OPTIONS' ? `-Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=${port} -Daws.region=eu-north-1` : address;
  }
});

afterEach(() => {
  for (const name of DEVELOPER_SETTINGS) {
    if (saved[name] === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = saved[name];
    }
  }
});

test.each<[string, () => Promise<StepRun>, Record<string, unknown>]>([
  ['a Node.js process', () => runBundledStep(path.join(FIXTURES, 'unbundled-handler'), 'index.handler', { userParameters: { greeting: 'hi' } }), { GREETING: 'hi' }],
  // Its clients name AWS's endpoints themselves, and botocore 1.29 ignores the endpoint variables.
  ['Python', () => runPythonStep(path.join(FIXTURES, 'python-steps'), 'handlers.names_real_endpoints', {
    runtime: 'python3.11', python: PYTHON, inputArtifacts: { Source: { 'a.txt': 'a' } },
  }), { SIZE: expect.stringMatching(/^[1-9]\d*$/) }],
  ['a custom runtime', () => runCustomRuntimeStep(path.join(FIXTURES, 'custom-runtime'), 'report.handler', { runtime: 'provided.al2023' }), { SHELL: 'bash' }],
  ['awslambdaric, with clients that name AWS\'s endpoints', () => runPythonStep(path.join(FIXTURES, 'python-steps'), 'handlers.names_real_endpoints', {
    runtime: 'python3.11', python: clientsPython(), inputArtifacts: { Source: { 'a.txt': 'a' } },
  }), { SIZE: expect.stringMatching(/^[1-9]\d*$/) }],
  ['aws-lambda-go with aws-sdk-go-v2', async () => runCustomRuntimeStep(await goStep(), 'bootstrap', { runtime: 'provided.al2023', userParameters: 'copy' }),
    { RUNTIME: 'go', FILES: '0', MEMORY: '128', ARN: 'us-east-1' }],
  ['the Java runtime interface client with the AWS SDK for Java v2', async () => runJavaStep(await javaStep(), 'example.Step::handleRequest', {
    runtime: 'java17', userParameters: 'copy', mavenRepository: MAVEN_REPOSITORY,
  }), { RUNTIME: 'java', FILES: '0', MEMORY: '128', FUNCTION: 'local-step' }],
])('%s reaches none of the developer\'s settings', async (_, runIt, outputVariables) => {
  const run = await runIt();
  expect(run.outcome).toBe('succeeded');
  expect(run.outputVariables).toEqual(outputVariables);
  expect(requests).toEqual([]);
});
