import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { cx_api } from 'aws-cdk-lib';

// aws-cdk-lib 2.262 and later validate synthesized templates against CloudFormation's resource
// schemas and rules. With validateAgainstDefaultRules a finding fails synthesis, and
// strictCfnValidateErrors (the mode meant for construct libraries) fails it on warnings too. The
// floor this project builds against predates the feature, so these tests run in the run against the
// newest release (`npx projen test:latest-cdk`, part of the build), and are skipped on the floor.
const ROOT = path.join(__dirname, '..');
const LATEST_RELEASE_RUN = process.env.CDK_LATEST_RELEASE_RUN === '1';
const STRICT_VALIDATION = {
  '@aws-cdk/core:validateAgainstDefaultRules': true,
  '@aws-cdk/core:strictCfnValidateErrors': true,
};

/** Synthesizes an app file in a process of its own, as `cdk synth` would, with strict template validation. */
async function synthesizeStrictly(app: string): Promise<{ exitCode: number; output: string }> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'template-validation-'));
  try {
    await promisify(execFile)(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), path.join(ROOT, app)], {
      cwd: ROOT,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(STRICT_VALIDATION), TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.dev.json') },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { exitCode: 0, output: '' };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { exitCode: code, output: `${stdout}\n${stderr}` };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

(LATEST_RELEASE_RUN ? describe : describe.skip)('strict CloudFormation template validation', () => {
  test('the installed aws-cdk-lib has it', () => {
    expect((cx_api as Record<string, unknown>).VALIDATE_AGAINST_DEFAULT_RULES).toBe('@aws-cdk/core:validateAgainstDefaultRules');
  });

  test.each(['test/integ.plain-pipeline.ts', 'test/integ.cdk-pipelines.ts', 'example/app.ts'])('%s synthesizes with zero findings', async app => {
    expect(await synthesizeStrictly(app)).toEqual({ exitCode: 0, output: '' });
  }, 120_000);

  test('a template with a finding fails the same synthesis (the check can fail)', async () => {
    const { exitCode, output } = await synthesizeStrictly('test/fixtures/invalid-template-app.ts');
    expect(exitCode).not.toBe(0);
    expect(output).toContain('(CloudFormation Validate)');
  }, 120_000);
});
