import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_lambda as lambda } from 'aws-cdk-lib';
import { ExamplePipelineStack } from '../../example/pipeline-stack';
import { LambdaInvokeStep } from '../../src';
import { StepRun, StepRunError, runSynthesizedStep } from '../../src/testing';
import { findSynthesizedStep } from '../../src/testing/synthesized';
import { fixtureEvent, fixtureSecrets } from '../support/fixtures';
import { naming } from '../support/messages';
import { LoopbackS3 } from '../support/s3';
import { pipelineStack } from '../support/template';
import { temporaryDirectory } from '../support/zip';

// The example app's step as it would be deployed: its bundled asset from the cloud assembly,
// run in a process of its own against s3rver (a third-party S3 implementation) and the
// harness's CodePipeline endpoint.
const FIXTURE_BUCKET = 'codepipeline-us-west-2-123456789012';
const SOURCE = { 'index.html': '<h1>hi</h1>', 'assets/app.js': 'console.log(1)' };
let s3: LoopbackS3;
let runs: StepRun[];
let example: ExamplePipelineStack;

beforeAll(async () => {
  s3 = await LoopbackS3.start(['artifacts', FIXTURE_BUCKET, 'codepipeline-us-east-1-111111111111']);
  example = new ExamplePipelineStack(new App(), 'E2EExample');
});

afterAll(async () => {
  await s3?.stop();
});

beforeEach(() => {
  runs = [];
});

afterEach(() => {
  const logged = runs.flatMap(run => [...run.logs, ...run.calls.map(call => call.body)]).join('\n');
  for (const secret of fixtureSecrets()) {
    expect(logged).not.toContain(secret);
  }
});

const s3rverAs = (credentials = { accessKeyId: 'E2E', secretAccessKey: 'e2e-secret' }) => s3.asExternalS3('artifacts', credentials);

async function recorded(run: Promise<StepRun>): Promise<StepRun> {
  const result = await run;
  runs.push(result);
  return result;
}

test('the example step succeeds with its variable and its report artifact', async () => {
  const run = await recorded(runSynthesizedStep(example.smokeTest, { s3: s3rverAs(), inputArtifacts: { Source: SOURCE } }));
  expect(run.outcome).toBe('succeeded');
  const jobId = run.event['CodePipeline.job'].id;
  expect(run.outputVariables).toEqual({ REPORT_URL: `https://example.com/reports/${jobId}` });
  const report = JSON.parse(run.outputArtifacts.Report['report.json'].toString());
  expect(report.url).toBe('https://example.com');
  expect(report.sourceFiles.sort()).toEqual(['assets/app.js', 'index.html']);
  const { configuration } = run.event['CodePipeline.job'].data.actionConfiguration;
  expect(configuration.UserParameters).toBe('{"url":"https://example.com"}');
  expect(run.logs).toContainEqual(expect.stringContaining(`[job ${jobId}] reported success`));
  // The name CloudFormation would give the function, and the runtime the template declares.
  expect(configuration.FunctionName).toMatch(/^E2EExample-SmokeTest[A-Za-z0-9]*-[A-Z0-9]{12}$/);
});

test('the template\'s runtime is the one the run behaves as: a callback-style handler fails on nodejs26.x, which runs locally', async () => {
  const stack = new Stack(new App(), 'CallbackStyle');
  // Named by hand: the aws-cdk-lib floor (2.224) has no Runtime.NODEJS_26_X.
  const nodejs26 = new lambda.Runtime('nodejs26.x', lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });
  new LambdaInvokeStep(stack, 'Callback', { entry: path.join(__dirname, '..', 'fixtures', 'callback-handler.ts'), functionProps: { runtime: nodejs26 } });
  await expect(runSynthesizedStep(stack, { s3: s3rverAs() }))
    .rejects.toThrow(/^The handler takes a callback \(event, context, callback\), which the Lambda nodejs26\.x runtime no longer supports/);
  const onNode22 = await recorded(runSynthesizedStep(stack, { s3: s3rverAs(), runtime: 'nodejs22.x' }));
  expect(onNode22.outcome).toBe('succeeded');
  expect(onNode22.event['CodePipeline.job'].data.actionConfiguration.configuration.FunctionName).toMatch(/^CallbackStyle-Callback[A-Za-z0-9]*-[A-Z0-9]{12}$/);
});

test('the example step fails with a ConfigurationError when its parameters lack the url', async () => {
  const options = { s3: s3rverAs(), userParameters: { other: 1 }, inputArtifacts: { Source: SOURCE } };
  const run = await recorded(runSynthesizedStep(example.smokeTest, options));
  expect(run.outcome).toBe('failed');
  expect(run.failureDetails).toMatchObject({ type: 'ConfigurationError', message: 'UserParameters must hold a "url"' });
});

test('a declared variable the function does not report fails the job, naming it', async () => {
  const stack = new Stack(new App(), 'Undeclared');
  const step = new LambdaInvokeStep(stack, 'Smoke', {
    entry: path.join(__dirname, '..', '..', 'example', 'smoke-test.ts'),
    outputVariables: ['REPORT_URL', 'BUILD_ID'],
  });
  const run = await recorded(runSynthesizedStep(step, {
    s3: s3rverAs(),
    userParameters: { url: 'https://example.com' },
    inputArtifacts: { Source: SOURCE },
    outputArtifacts: ['Report'],
  }));
  expect(run.outcome).toBe('failed');
  expect(run.failureDetails?.message).toBe('The step did not report the output variables it declares: BUILD_ID');
});

test('a continuing step is invoked again with its token until it finishes', async () => {
  const stack = new Stack(new App(), 'Continuing');
  new LambdaInvokeStep(stack, 'Rounds', { entry: path.join(__dirname, '..', 'fixtures', 'continuing-handler.ts'), outputVariables: ['ROUNDS'] });
  const run = await recorded(runSynthesizedStep(stack, { s3: s3rverAs() }));
  expect(run.outcome).toBe('succeeded');
  expect(run.invocations).toBe(3);
  expect(run.calls.map(call => call.input.continuationToken ?? null)).toEqual(['1', '2', null]);
  expect(run.outputVariables).toEqual({ ROUNDS: '3' });
});

test('the Lambda guide fixture event, as it is: fixture credentials, JSON parameters without a url', async () => {
  const event = fixtureEvent('job-with-artifacts');
  const run = await recorded(runSynthesizedStep(example.smokeTest, {
    s3: s3.asExternalS3(FIXTURE_BUCKET, event['CodePipeline.job'].data.artifactCredentials),
    event,
    inputArtifacts: {},
  }));
  expect(run.outcome).toBe('failed');
  expect(run.failureDetails).toMatchObject({ type: 'ConfigurationError', message: 'UserParameters must hold a "url"' });
});

test('the Lambda guide fixture event with the example\'s artifact names and a url succeeds with the fixture credentials', async () => {
  const event = fixtureEvent('job-with-artifacts');
  const data = event['CodePipeline.job'].data;
  data.actionConfiguration.configuration.UserParameters = '{"url":"https://example.net"}';
  data.inputArtifacts[0].name = 'Source';
  data.outputArtifacts[0].name = 'Report';
  const run = await recorded(runSynthesizedStep(example.smokeTest, {
    s3: s3.asExternalS3(FIXTURE_BUCKET, data.artifactCredentials),
    event,
    inputArtifacts: { Source: SOURCE },
  }));
  expect(run.outcome).toBe('succeeded');
  expect(run.outputVariables.REPORT_URL).toBe('https://example.net/reports/5f0b2c7e-3d41-4a8e-9c6b-2e7f1a9d4b30');
  expect(Object.keys(run.outputArtifacts.Report)).toEqual(['report.json']);
});

test('the action reference fixture event, as it is: a continued job whose parameters are not JSON', async () => {
  const event = fixtureEvent('continued-job');
  const run = await recorded(runSynthesizedStep(example.smokeTest, {
    s3: s3.asExternalS3('codepipeline-us-east-1-111111111111', event['CodePipeline.job'].data.artifactCredentials),
    event,
    inputArtifacts: {},
  }));
  expect(run.outcome).toBe('failed');
  expect(run.failureDetails).toMatchObject({ type: 'ConfigurationError', message: 'The action\'s UserParameters are not valid JSON (11 characters)' });
});

test('a bundled handler that never reports is timed out, its process is stopped, and the failure reporter fails the job', async () => {
  const stack = new Stack(new App(), 'Hanging');
  new LambdaInvokeStep(stack, 'Hangs', { entry: path.join(__dirname, '..', 'fixtures', 'hanging-handler.ts') });
  const pidFile = path.join(temporaryDirectory('hanging-'), 'pid');
  const run = await runSynthesizedStep(stack, { s3: s3rverAs(), timeoutMillis: 500, environment: { HANGING_HANDLER_PID_FILE: pidFile } });
  expect(run.failureDetails?.message).toContain('Sandbox.Timedout: Task timed out after 0.50 seconds.');
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  fs.rmSync(path.dirname(pidFile), { recursive: true, force: true });
  // Signal 0 only asks whether the process exists.
  expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
});

test('a stack without a LambdaInvokeStep, or with two, is a clear error', async () => {
  await expect(runSynthesizedStep(new Stack(new App(), 'Empty'))).rejects.toThrow(new StepRunError('Stack Empty holds no LambdaInvokeStep'));
  const two = new Stack(new App(), 'Two');
  const entry = path.join(__dirname, '..', 'fixtures', 'handler.ts');
  new LambdaInvokeStep(two, 'First', { entry });
  new LambdaInvokeStep(two, 'Second', { entry });
  await expect(runSynthesizedStep(two)).rejects.toThrow(naming('Stack Two', '2 LambdaInvokeSteps (Two/First, Two/Second)', 'pass the one to run',
    'runSynthesizedStep(step)', '`this.smokeTest = new LambdaInvokeStep(...)`', '`stack.node.findChild(\'First\') as LambdaInvokeStep`'));
  // What the message says to do works.
  const found = findSynthesizedStep(two.node.findChild('Second') as LambdaInvokeStep);
  expect(found.path).toBe('Two/Second');
});

test('input artifact names the action does not have are refused', async () => {
  await expect(runSynthesizedStep(example.smokeTest, { inputArtifacts: { Build: {} } }))
    .rejects.toThrow(naming("no input artifact 'Build'", 'Source'));
});

test('an input artifact the action reads and the run was not given is refused, never served empty; {} serves it empty on purpose', async () => {
  await expect(runSynthesizedStep(example.smokeTest, { s3: s3rverAs() }))
    .rejects.toThrow(naming('reads the input artifact Source', 'given no content', 'inputArtifacts: { Source: <files or a directory> }',
      '--input Source=<directory or .zip>', '{ Source: {} } serves an empty artifact on purpose'));
  const run = await recorded(runSynthesizedStep(example.smokeTest, { s3: s3rverAs(), inputArtifacts: { Source: {} } }));
  expect(run.outcome).toBe('succeeded');
});

test('a step on an alias, in a pipeline: its action is found, the event names the alias, and the action\'s inputs are checked', async () => {
  const { stack, pipeline, source } = pipelineStack('AliasStack');
  const fn = new lambda.Function(stack, 'Plain', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromAsset(path.join(__dirname, '..', 'fixtures', 'unbundled-handler')),
  });
  const live = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
  const step = new LambdaInvokeStep(stack, 'Validate', { existingFunction: live, inputs: [source], userParameters: { greeting: 'hi' } });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });

  const found = findSynthesizedStep(step);
  expect(found.action).toMatchObject({ name: 'Validate', path: expect.stringMatching(/^AliasStack\/Pipeline\w*\/Test\/Validate$/), inputArtifacts: ['Source'] });
  expect(found.functionName).toMatch(/^AliasStack-Plain[A-Za-z0-9]*-[A-Z0-9]{12}:live$/);
  await expect(runSynthesizedStep(step, { inputArtifacts: { Build: {} } })).rejects.toThrow(naming("no input artifact 'Build'", 'Source'));
  const run = await recorded(runSynthesizedStep(step, { s3: s3rverAs(), inputArtifacts: { Source: {} } }));
  expect(run.outputVariables).toEqual({ GREETING: 'hi' });
  expect(run.event['CodePipeline.job'].data.actionConfiguration.configuration.FunctionName).toMatch(/^AliasStack-Plain[A-Za-z0-9]*-[A-Z0-9]{12}:live$/);
});

describe('a function the construct did not bundle', () => {
  const withFunction = (makeFunction: (stack: Stack) => lambda.IFunction) => {
    const stack = new Stack(new App(), 'Existing');
    new LambdaInvokeStep(stack, 'Step', { existingFunction: makeFunction(stack) });
    return stack;
  };

  test.each([
    ['a Code.fromAsset directory', lambda.Code.fromAsset(path.join(__dirname, '..', 'fixtures', 'unbundled-handler'))],
    ['inline code', lambda.Code.fromInline(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'unbundled-handler', 'index.js'), 'utf8'))],
  ])('a Node.js function from %s runs as it is, with the SDK the runtime provides', async (_, code) => {
    const stack = withFunction(scope => new lambda.Function(scope, 'Plain', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code }));
    const run = await recorded(runSynthesizedStep(stack, { s3: s3rverAs(), userParameters: { greeting: 'hello' } }));
    expect(run.outcome).toBe('succeeded');
    expect(run.outputVariables).toEqual({ GREETING: 'hello' });
    expect(run.logs).toContain('greeting hello');
  });

  test('a Node.js function sees the memory size its template gives, as Lambda sets it (AWS_LAMBDA_FUNCTION_MEMORY_SIZE)', async () => {
    const code = lambda.Code.fromInline([
      "const { CodePipelineClient, PutJobSuccessResultCommand } = require('@aws-sdk/client-codepipeline');",
      'exports.handler = async event => new CodePipelineClient({}).send(new PutJobSuccessResultCommand({',
      "  jobId: event['CodePipeline.job'].id, outputVariables: { MEMORY: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE },",
      '}));',
    ].join('\n'));
    const stack = withFunction(scope => new lambda.Function(scope, 'Sized', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code, memorySize: 1769 }));
    expect((await recorded(runSynthesizedStep(stack, { s3: s3rverAs() }))).outputVariables).toEqual({ MEMORY: '1769' });
  });

  test('an alias of a function runs the function behind it', async () => {
    const stack = withFunction(scope => {
      const fn = new lambda.Function(scope, 'Plain', {
        runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromAsset(path.join(__dirname, '..', 'fixtures', 'unbundled-handler')),
      });
      return new lambda.Alias(scope, 'Live', { aliasName: 'live', version: fn.currentVersion });
    });
    expect((await recorded(runSynthesizedStep(stack, { s3: s3rverAs(), userParameters: { greeting: 'hello' } }))).outputVariables).toEqual({ GREETING: 'hello' });
  });

  test('a runtime no runner starts is refused, naming it and what can run instead', async () => {
    const stack = withFunction(scope => new lambda.Function(scope, 'Ruby', {
      runtime: lambda.Runtime.RUBY_3_3, handler: 'index.handler', code: lambda.Code.fromAsset(path.join(__dirname, '..', 'fixtures', 'unbundled-handler')),
    }));
    await expect(runSynthesizedStep(stack)).rejects.toThrow(new RegExp('^Existing/Step runs Existing/Ruby on ruby3\\.3, and a local run starts only '
      + 'Node\\.js \\(nodejs20\\.x, nodejs22\\.x, nodejs24\\.x, nodejs26\\.x\\), Python \\(python3\\.x\\), Java \\(java17, java21, java25\\) '
      + 'and custom runtimes \\(provided\\.al2023, provided\\.al2\\): run the step\'s logic with runStep'));
  });

  test('an imported function is refused: its code is not in the cloud assembly', async () => {
    const stack = withFunction(scope => lambda.Function.fromFunctionArn(scope, 'Imported', 'arn:aws:lambda:us-east-1:123456789012:function:audit'));
    await expect(runSynthesizedStep(stack)).rejects.toThrow(/^Existing\/Step runs Existing\/Imported, a function imported into the app: its code is not in the cloud assembly/);
  });
});
