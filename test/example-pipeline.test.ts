import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { appWithoutBundling, findAction } from './support/template';
import { ExamplePipelineStack } from '../example/pipeline-stack';
import { newestNodejsRuntime } from '../src/private/bundled-function';

const ASSET_HASH = /[0-9a-f]{64}/;
const STEP_DEFAULT_RUNTIME = newestNodejsRuntime().name;

// Asset hashes change with the bundler's version and the machine's paths, not with the
// template's meaning: mask them so the snapshot moves only when the meaning does. The step's
// default runtime is the newest the installed aws-cdk-lib names, by design (lambda-invoke-step.test.ts
// holds it), so one snapshot serves the floor and the newest release.
expect.addSnapshotSerializer({
  test: (value: unknown) => typeof value === 'string' && (ASSET_HASH.test(value) || value === STEP_DEFAULT_RUNTIME),
  serialize: (value: string) => JSON.stringify(value === STEP_DEFAULT_RUNTIME ? '[STEP DEFAULT RUNTIME]' : value.replace(new RegExp(ASSET_HASH, 'g'), '[ASSET HASH]')),
});

function synthExample() {
  const app = appWithoutBundling();
  const stack = new ExamplePipelineStack(app, 'LambdaInvokeStepExample');
  return Template.fromStack(stack);
}

test('the example pipeline template matches its snapshot', () => {
  expect(synthExample().toJSON()).toMatchSnapshot();
});

test('two syntheses give byte-identical templates', () => {
  const first = JSON.stringify(synthExample().toJSON());
  const second = JSON.stringify(synthExample().toJSON());
  expect(second).toBe(first);
});

test('the downstream action reads the step variable through the step namespace', () => {
  const template = synthExample();
  expect(findAction(template, 'SmokeTest').Namespace).toBe('SmokeTest');
  expect(findAction(template, 'ReviewReport').Configuration).toEqual({
    CustomData: 'Smoke test report: #{SmokeTest.REPORT_URL}',
    ExternalEntityLink: '#{SmokeTest.REPORT_URL}',
  });
});

test('the main job, as README gives it, synthesizes the example, says the run is local and shows the function\'s logs', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-'));
  try {
    const root = path.join(__dirname, '..');
    // The packages are installed, so the script goes straight to the example.
    const output = execFileSync('bash', ['scripts/example.sh'], {
      cwd: root,
      env: { ...process.env, CDK_OUTDIR: outdir },
      encoding: 'utf8',
    });
    const templatePath = path.join(outdir, 'LambdaInvokeStepExample.template.json');
    expect(output).toContain(`Template: ${path.relative(root, templatePath)}`);
    expect(output).toContain('Test [SmokeTest (Lambda)]');
    expect(output).toMatch(/Running SmokeTest locally: its bundled asset .*asset\.[0-9a-f]{64} in a Node.js process, with example\/source-artifact as its input artifact Source/);
    expect(output.indexOf('Synthesizing the example pipeline')).toBe(0);
    expect(output).toContain('S3 and CodePipeline are endpoints on 127.0.0.1 that this run starts and stops; no AWS account is reached');
    expect(output).toContain('  outcome: succeeded after 1 invocation');
    expect(output).toMatch(/  the function's log lines \(\d+, secrets redacted\):\n(    \| .*\n)*    \| .*smoke testing https:\/\/example\.com with 2 source files\n/);
    expect(output).toMatch(/  output variables: REPORT_URL = https:\/\/example\.com\/reports\/[0-9a-f-]{36}\n/);
    expect(output).toContain('  output artifact Report: report.json (');
    expect(output).toMatch(/    ExternalEntityLink: https:\/\/example\.com\/reports\/[0-9a-f-]{36}\n/);
    const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
    expect(Object.values<any>(template.Resources).map(resource => resource.Type)).toContain('AWS::CodePipeline::Pipeline');
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}, 120_000);
