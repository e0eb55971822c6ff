import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_lambda as lambda, aws_s3 as s3 } from 'aws-cdk-lib';
import { LambdaInvokeStep } from '../../src';
import { writeZip } from '../../src/runtime/zip-writer';
import { runSynthesizedStep } from '../../src/testing';
import { clientsPython, goStep, javaStep, MAVEN_REPOSITORY, powertoolsLayer, samCommand } from '../support/aws-clients';
import { temporaryDirectory } from '../support/zip';

// AWS's own clients through the CLI and runSynthesizedStep: a pipeline whose steps are a Go function
// (aws-lambda-go, provided.al2023), a Java function (the Java runtime interface client, its code a .jar)
// and a Python function on Powertools' public layer (awslambdaric, or the harness's bootstrap).
const ROOT = path.join(__dirname, '..', '..');
const DEBIAN_PYTHON = process.env.PYTHON_FOR_TESTS ?? '/usr/bin/python3';
const POWERTOOLS_LAYER_ARN = 'arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:18';
let work: string;
let assembly: string;
let source: string;
let stack: Stack;

interface CliResult { readonly code: number; readonly stdout: string; readonly stderr: string }

function cli(...args: string[]): Promise<CliResult> {
  return new Promise(resolve => {
    execFile(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), path.join(ROOT, 'src', 'cli', 'main.ts'), ...args],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

beforeAll(async () => {
  work = temporaryDirectory('cli-clients-');
  const jar = path.join(work, 'java-step.jar');
  await writeZip(await javaStep(), jar);
  source = path.join(work, 'source');
  fs.mkdirSync(source);
  fs.writeFileSync(path.join(source, 'message.txt'), 'hello from the pipeline');
  assembly = path.join(work, 'cdk.out');
  const app = new App({ outdir: assembly });
  stack = new Stack(app, 'Clients');
  const sourceArtifact = new codepipeline.Artifact('Source');
  const step = (id: string, output: string, props: lambda.FunctionProps) => new LambdaInvokeStep(stack, id, {
    existingFunction: new lambda.Function(stack, `${id}Function`, props), inputs: [sourceArtifact], outputs: [new codepipeline.Artifact(output)], userParametersString: 'copy',
  }).action;
  new codepipeline.Pipeline(stack, 'Pipeline', {
    stages: [
      { stageName: 'Source', actions: [new actions.S3SourceAction({ actionName: 'Source', bucket: new s3.Bucket(stack, 'Bucket'), bucketKey: 'source.zip', output: sourceArtifact })] },
      {
        stageName: 'Steps',
        actions: [
          step('GoCopy', 'GoUpper', { runtime: lambda.Runtime.PROVIDED_AL2023, handler: 'bootstrap', code: lambda.Code.fromAsset(await goStep()) }),
          step('JavaCopy', 'JavaUpper', { runtime: lambda.Runtime.JAVA_17, handler: 'example.Step::handleRequest', code: lambda.Code.fromAsset(jar), memorySize: 512 }),
          step('PythonCopy', 'Upper', {
            runtime: lambda.Runtime.PYTHON_3_11,
            handler: 'powertools_step.handler',
            code: lambda.Code.fromAsset(path.join(ROOT, 'test', 'fixtures', 'python-steps')),
            layers: [lambda.LayerVersion.fromLayerVersionArn(stack, 'Powertools', POWERTOOLS_LAYER_ARN)],
          }),
        ],
      },
    ],
  });
  app.synth();
}, 600_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const outputOf = (json: any, artifact: string) => json.outputArtifacts[artifact];

test('list: each client\'s step runs locally', async () => {
  const { code, stdout } = await cli('list', '--app', assembly);
  expect(code).toBe(0);
  for (const [step, runtime] of [['GoCopy', 'provided.al2023'], ['JavaCopy', 'java17'], ['PythonCopy', 'python3.11']]) {
    expect(stdout).toMatch(new RegExp(`Clients/${step}\\n.*\\n  function: Clients/${step}Function \\(${runtime.replace('.', '\\.')}\\)\\n  local run: yes\\n`));
  }
});

test('run: the Go step, through aws-lambda-go', async () => {
  const { code, stdout } = await cli('run', '--app', assembly, '--step', 'Clients/GoCopy', '--input', `Source=${source}`, '--json');
  expect(code).toBe(0);
  const json = JSON.parse(stdout);
  expect(json).toMatchObject({ outcome: 'succeeded', runtimeClient: 'the function\'s bootstrap', outputVariables: { RUNTIME: 'go', FILES: '1' } });
  expect(outputOf(json, 'GoUpper')).toEqual(expect.arrayContaining([{ path: 'message.txt', bytes: 23 }, { path: 'runtime.txt', bytes: 2 }]));
});

test('run: the Java step from its .jar, through the Java runtime interface client', async () => {
  const { code, stdout, stderr } = await cli('run', '--app', assembly, '--step', 'Clients/JavaCopy', '--input', `Source=${source}`, '--maven-repository', MAVEN_REPOSITORY);
  expect(code === 0 ? '' : stdout + stderr).toBe('');
  expect(stdout).toMatch(/^outcome: succeeded after 1 invocation\nruntime client: aws-lambda-java-runtime-interface-client 2\.10\.1 on Java \d+\n/);
  // Map.of gives the Java step's variables in no fixed order.
  const variables = /\noutput variables: ([^\n]+)\n/.exec(stdout)![1].split(', ').sort();
  expect(variables).toEqual(['FILES = 1', expect.stringMatching(/^FUNCTION = Clients-JavaCopyFunction[0-9A-F]{8}-[A-Z0-9]+$/), 'MEMORY = 512', 'RUNTIME = java']);
});

test.each([
  ['Debian\'s python3 and its boto3 1.26, under the harness\'s bootstrap', () => DEBIAN_PYTHON, /^the harness's Python bootstrap/, /^1\.26\./],
  ['boto3 1.44.5 under awslambdaric', () => clientsPython(), /^awslambdaric 4\.2\.2/, /^1\.44\.5$/],
])('run: the Powertools step with its layer mapped by --layer, on %s', async (_, python, client, boto3) => {
  const { code, stdout } = await cli('run', '--app', assembly, '--step', 'Clients/PythonCopy', '--input', `Source=${source}`,
    '--python', python(), '--layer', `${POWERTOOLS_LAYER_ARN}=${powertoolsLayer()}`, '--json');
  expect(code).toBe(0);
  const json = JSON.parse(stdout);
  expect(json.runtimeClient).toMatch(client);
  expect(json.outputVariables).toEqual({ BOTO3: expect.stringMatching(boto3), CHARACTERS: '23' });
});

test('run: a layer given by ARN and not mapped is refused with exit code 2, naming --layer', async () => {
  const { code, stdout } = await cli('run', '--app', assembly, '--step', 'Clients/PythonCopy', '--input', `Source=${source}`, '--python', DEBIAN_PYTHON);
  expect(code).toBe(2);
  expect(stdout).toContain(`(with the CLI, --layer ${POWERTOOLS_LAYER_ARN}=<directory>)`);
});

test('run --event: SAM\'s generated event, its artifacts given by the names it holds', async () => {
  const eventFile = path.join(work, 'sam-event.json');
  fs.writeFileSync(eventFile, execFileSync(samCommand(), ['local', 'generate-event', 'codepipeline', 'job'], { env: { ...process.env, SAM_CLI_TELEMETRY: '0' } }));
  const { code, stdout } = await cli('run', '--app', assembly, '--step', 'Clients/GoCopy', '--event', eventFile, '--input', `input-artifact=${source}`, '--json');
  expect(code).toBe(0);
  expect(outputOf(JSON.parse(stdout), 'output-artifact')).toEqual(expect.arrayContaining([{ path: 'message.txt', bytes: 23 }]));
  const refused = await cli('run', '--app', assembly, '--step', 'Clients/GoCopy', '--event', eventFile, '--input', `Source=${source}`);
  expect(refused.code).toBe(2);
  expect(refused.stdout).toContain('The given event has no input artifact \'Source\'; its input artifacts are: input-artifact');
});

test('runSynthesizedStep: the Java, Go and Python steps of the same app, and SAM\'s event', async () => {
  const inputArtifacts = { Source: { 'message.txt': 'hello' } };
  const java = await runSynthesizedStep(stack.node.findChild('JavaCopy') as LambdaInvokeStep, { inputArtifacts, mavenRepository: MAVEN_REPOSITORY });
  expect(java.outputArtifacts.JavaUpper['message.txt'].toString()).toBe('HELLO');
  const go = await runSynthesizedStep(stack.node.findChild('GoCopy') as LambdaInvokeStep, { inputArtifacts });
  expect(go.outputArtifacts.GoUpper['message.txt'].toString()).toBe('HELLO');
  const python = await runSynthesizedStep(stack.node.findChild('PythonCopy') as LambdaInvokeStep, {
    inputArtifacts, python: clientsPython(), layers: { [POWERTOOLS_LAYER_ARN]: powertoolsLayer() },
  });
  expect(python.runtimeClient).toMatch(/^awslambdaric 4\.2\.2/);
  expect(python.outputArtifacts.Upper['message.txt'].toString()).toBe('HELLO');
  const event = JSON.parse(execFileSync(samCommand(), ['local', 'generate-event', 'codepipeline', 'job'], { encoding: 'utf8', env: { ...process.env, SAM_CLI_TELEMETRY: '0' } }));
  const fromSam = await runSynthesizedStep(stack.node.findChild('GoCopy') as LambdaInvokeStep, { event, inputArtifacts: { 'input-artifact': { 'message.txt': 'hello' } } });
  expect(fromSam.outputArtifacts['output-artifact']['message.txt'].toString()).toBe('HELLO');
});
