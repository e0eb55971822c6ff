import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_lambda as lambda, aws_s3 as s3 } from 'aws-cdk-lib';
import { ExamplePipelineStack } from '../../example/pipeline-stack';
import { LambdaInvokeStep } from '../../src';
import { newestNodejsRuntime } from '../../src/private/bundled-function';
import { temporaryDirectory, zipDirectory } from '../support/zip';

// The CLI end to end, as a user of any CDK language runs it on a cloud assembly: each exit code.
const ROOT = path.join(__dirname, '..', '..');
const SOURCE = path.join(ROOT, 'example', 'source-artifact');
const PYTHON = process.env.PYTHON_FOR_TESTS ?? '/usr/bin/python3';
let assembly: string;
let work: string;

interface CliResult { readonly code: number; readonly stdout: string; readonly stderr: string }

function cli(...args: string[]): Promise<CliResult> {
  return cliWith([], ...args);
}

/** The CLI with `preload` modules loaded first (`node -r`). */
function cliWith(preload: string[], ...args: string[]): Promise<CliResult> {
  return new Promise(resolve => {
    execFile(process.execPath, [...preload.flatMap(file => ['-r', file]), '-r', require.resolve('ts-node/register/transpile-only'), path.join(ROOT, 'src', 'cli', 'main.ts'), ...args],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

beforeAll(() => {
  work = temporaryDirectory('cli-');
  assembly = path.join(work, 'cdk.out');
  const app = new App({ outdir: assembly });
  new ExamplePipelineStack(app, 'CliExample');
  const python = new Stack(app, 'PythonSteps');
  const forgets = new lambda.Function(python, 'Forgets', {
    runtime: lambda.Runtime.PYTHON_3_11, handler: 'handlers.forgets_to_report', code: lambda.Code.fromAsset(path.join(ROOT, 'test', 'fixtures', 'python-steps')),
  });
  new LambdaInvokeStep(python, 'Forgetful', { existingFunction: forgets });
  const leaks = new lambda.Function(python, 'PrintsEvent', {
    runtime: lambda.Runtime.PYTHON_3_11, handler: 'handlers.prints_event', code: lambda.Code.fromAsset(path.join(ROOT, 'test', 'fixtures', 'python-steps')),
  });
  new LambdaInvokeStep(python, 'Leaky', { existingFunction: leaks });
  const raises = new lambda.Function(python, 'Raises', {
    runtime: lambda.Runtime.PYTHON_3_11, handler: 'handlers.raises', code: lambda.Code.fromAsset(path.join(ROOT, 'test', 'fixtures', 'python-steps')),
  });
  new LambdaInvokeStep(python, 'Crashing', { existingFunction: raises });
  app.synth();
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

test('list: what run must be given, the action\'s input artifacts and the variables its UserParameters use', async () => {
  const outdir = path.join(work, 'variables.out');
  const app = new App({ outdir });
  const stack = new Stack(app, 'WithVariables');
  const source = new codepipeline.Artifact('Source');
  const step = new LambdaInvokeStep(stack, 'Check', {
    existingFunction: new lambda.Function(stack, 'Checker', {
      runtime: lambda.Runtime.PYTHON_3_13, handler: 'handlers.forgets_to_report', code: lambda.Code.fromAsset(path.join(ROOT, 'test', 'fixtures', 'python-steps')),
    }),
    inputs: [source],
    userParameters: { commit: '#{SourceVariables.VersionId}', again: '#{SourceVariables.VersionId}', region: '#{codepipeline.PipelineExecutionId}' },
  });
  new codepipeline.Pipeline(stack, 'Pipeline', {
    stages: [
      { stageName: 'Source', actions: [new actions.S3SourceAction({ actionName: 'Source', bucket: new s3.Bucket(stack, 'Bucket'), bucketKey: 'source.zip', output: source, variablesNamespace: 'SourceVariables' })] },
      { stageName: 'Check', actions: [step.action] },
    ],
  });
  app.synth();
  const { code, stdout } = await cli('list', '--app', outdir);
  expect(code).toBe(0);
  expect(stdout).toContain('  local run: yes\n'
    + '  inputs:   Source (--input <name>=<directory or .zip>)\n'
    + '  variables: SourceVariables.VersionId, codepipeline.PipelineExecutionId (--variable <namespace.name>=<value>)\n');
});

test('an assembly made by a newer aws-cdk-lib than the CLI\'s: exit code 2, naming both and what to install', async () => {
  const newer = path.join(work, 'newer.out');
  fs.cpSync(assembly, newer, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(newer, 'manifest.json'), 'utf8'));
  fs.writeFileSync(path.join(newer, 'manifest.json'), JSON.stringify({ ...manifest, version: '999.0.0' }));
  const { code, stderr } = await cli('list', '--app', newer);
  expect(code).toBe(2);
  const readerVersion = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf8')).version;
  expect(stderr).toMatch(new RegExp(`made by a newer aws-cdk-lib than the ${readerVersion.replace(/\./g, '\\.')} that cdk-lambda-invoke-step reads it with \\(.*999\\.0\\.0.*\\): install the app's aws-cdk-lib version, or a later one`));
});

test('list: every step, both ways to name it, its runtime and whether it runs locally', async () => {
  const { code, stdout } = await cli('list', '--app', assembly);
  expect(code).toBe(0);
  expect(stdout).toContain('CliExample/SmokeTest\n  action:   CliExample/Pipeline');
  expect(stdout).toMatch(new RegExp(`CliExample/SmokeTest\n  action: +CliExample/\\S+/Test/SmokeTest\n  function: CliExample/SmokeTest/Function \\(${newestNodejsRuntime().name.replace('.', '\\.')}\\)\n  local run: yes`));
  expect(stdout).toMatch(/PythonSteps\/Forgetful\n  action: +none: the step is in no pipeline of this assembly\n  function: PythonSteps\/Forgets \(python3\.11\)\n  local run: yes/);
});

test('without the AWS SDK: list works, and run exits 2 naming the one npx command that brings it', async () => {
  const withoutSdk = [path.join(ROOT, 'test', 'support', 'without-aws-sdk.js')];
  const listed = await cliWith(withoutSdk, 'list', '--app', assembly);
  expect(listed).toMatchObject({ code: 0, stderr: '' });
  expect(listed.stdout).toContain('CliExample/SmokeTest\n');
  const ran = await cliWith(withoutSdk, 'run', '--app', assembly, '--step', 'CliExample/SmokeTest', '--input', `Source=${SOURCE}`);
  expect(ran.code).toBe(2);
  expect(ran.stderr).toBe('cdk-lambda-invoke-step: run needs @aws-sdk/client-codepipeline, @aws-sdk/client-s3, @smithy/signature-v4 (the AWS SDK the Lambda runtime '
    + 'provides to deployed functions), which are not installed here. Run the CLI with them: npx -p cdk-lambda-invoke-step -p @aws-sdk/client-codepipeline '
    + '-p @aws-sdk/client-s3 cdk-lambda-invoke-step run ... (or npm install --save-dev @aws-sdk/client-codepipeline @aws-sdk/client-s3 in a Node.js project)\n');
});

test('run: a refusal before the function starts prints no log section', async () => {
  const { code, stdout } = await cli('run', '--app', assembly, '--step', 'CliExample/SmokeTest', '--input', `Build=${SOURCE}`);
  expect(code).toBe(2);
  expect(stdout).toBe('The action has no input artifact \'Build\'; its input artifacts are: Source\n');
});

test('run: exit 0 when the job succeeds, with progress, a summary, the function\'s logs and the output files', async () => {
  const outputs = path.join(work, 'outputs');
  const { code, stdout, stderr } = await cli('run', '--app', assembly, '--step', 'CliExample/SmokeTest', '--input', `Source=${SOURCE}`, '--output-dir', outputs);
  expect(code).toBe(0);
  expect(stderr).toMatch(/^Running CliExample\/SmokeTest locally: S3 and CodePipeline are endpoints on 127\.0\.0\.1/);
  expect(stderr).toMatch(/serving input artifact Source \(\d+ bytes zipped\)\ninvocation 1 of job [0-9a-f-]{36}\nreceived output artifact Report \(\d+ bytes zipped\)/);
  expect(stdout).toMatch(/^outcome: succeeded after 1 invocation\n/);
  expect(stdout).toMatch(/output variables: REPORT_URL = https:\/\/example\.com\/reports\/[0-9a-f-]{36}\n/);
  // As Lambda's REPORT line: the construct gives a step with artifacts 1,769 MB.
  expect(stdout).toMatch(/\nmemory size: 1769 MB, max memory used: \d+ MB\n/);
  expect(stdout).toMatch(/\n +\d+ \| .*smoke testing https:\/\/example\.com with 2 source files\n/);
  expect(JSON.parse(fs.readFileSync(path.join(outputs, 'Report', 'report.json'), 'utf8')).sourceFiles.sort()).toEqual(['index.html', 'src/app.js']);
});

test('run --json, a .zip input, and the step named by its action: exit 1 when the job fails', async () => {
  const zip = zipDirectory(SOURCE, path.join(work, 'source.zip'));
  const { stdout: listed } = await cli('list', '--app', assembly);
  const actionPath = /CliExample\/SmokeTest\n  action: +(\S+)/.exec(listed)![1];
  const { code, stdout } = await cli('run', '--app', assembly, '--step', actionPath, '--input', `Source=${zip}`, '--user-parameters', '{}', '--json');
  expect(code).toBe(1);
  const result = JSON.parse(stdout);
  expect(result).toMatchObject({ outcome: 'failed', failureDetails: { type: 'ConfigurationError', message: 'UserParameters must hold a "url"' }, credentialLeaks: [] });
  expect(result.logs).toContainEqual(expect.stringContaining('failing the job (ConfigurationError)'));
});

test('exit 2 when the step leaves the job without a result, with the reason and the logs', async () => {
  const { code, stdout } = await cli('run', '--app', assembly, '--step', 'PythonSteps/Forgetful', '--python', PYTHON);
  expect(code).toBe(2);
  expect(stdout).toMatch(/^The handler returned in invocation 1 without reporting a result for job [0-9a-f-]{36}\. In a pipeline the action would wait 20 minutes/);
});

test('exit 1 when the function raises: the failure reporter fails the job, and the CLI says what the pipeline would show, and when', async () => {
  const { code, stdout } = await cli('run', '--app', assembly, '--step', 'PythonSteps/Crashing', '--python', PYTHON);
  expect(code).toBe(1);
  expect(stdout).toMatch(/^outcome: failed after 1 invocation\nruntime client: [^\n]+\nfailure \(JobFailed\): The step's function PythonSteps-Raises[A-Za-z0-9]*-[A-Z0-9]+ failed without reporting a result: ValueError: the build output has no manifest\.json\. /);
  expect(stdout).toMatch(/\nreported by: the step's failure reporter, about \d+ s after the action started in a pipeline\n/);
  const json = await cli('run', '--app', assembly, '--step', 'PythonSteps/Crashing', '--python', PYTHON, '--json');
  expect(JSON.parse(json.stdout).failureReport).toEqual({
    attempts: 1, error: { errorType: 'ValueError', errorMessage: 'the build output has no manifest.json' }, approximateSecondsAfterStart: expect.any(Number),
  });
});

test('a leak names the log line by the number printed beside it', async () => {
  const { code, stdout } = await cli('run', '--app', assembly, '--step', 'PythonSteps/Leaky', '--python', PYTHON);
  expect(code).toBe(2);
  const line = /artifactCredentials\.secretAccessKey in log line (\d+)/.exec(stdout)![1];
  expect(stdout).toMatch(new RegExp(`\n +${line} \\| [^\n]*<artifactCredentials\\.secretAccessKey>`));
});

test('exit 2 for an unknown step, listing the steps there are, and for misuse', async () => {
  const unknown = await cli('run', '--app', assembly, '--step', 'CliExample/Nope');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('--step CliExample/Nope names no LambdaInvokeStep of the assembly. Its steps:\n  CliExample/SmokeTest (action CliExample/');
  expect(unknown.stderr).toContain('  PythonSteps/Forgetful\n');

  const noStep = await cli('run', '--app', assembly);
  expect(noStep.code).toBe(2);
  expect(noStep.stderr).toContain("error: required option '--step <path>' not specified");

  const badInput = await cli('run', '--app', assembly, '--step', 'CliExample/SmokeTest', '--input', 'Source');
  expect(badInput).toMatchObject({ code: 2, stderr: expect.stringContaining("--input takes Name=<directory or .zip>, got 'Source'") });

  const notAnAssembly = await cli('list', '--app', work);
  expect(notAnAssembly).toMatchObject({ code: 2, stderr: expect.stringContaining('is a path without a manifest.json') });
});

test('--app as a command: the CLI synthesizes the app, as the CDK CLI runs one', async () => {
  const command = `${process.execPath} -r ${require.resolve('ts-node/register/transpile-only')} ${path.join(ROOT, 'test', 'fixtures', 'cli-app.ts')}`;
  const { code, stdout } = await cli('list', '--app', command);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^CliExample\/SmokeTest\n/);
  const failing = await cli('list', '--app', 'exit 3');
  expect(failing).toMatchObject({ code: 2, stderr: expect.stringContaining("--app 'exit 3' did not synthesize a cloud assembly (exit code 3)") });
});
