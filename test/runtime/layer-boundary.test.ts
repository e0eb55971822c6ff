import * as path from 'path';
// The project's lint configuration is .eslintrc.json (projen), which ESLint 9 reads through its legacy class.
// eslint-disable-next-line import/no-unresolved
import { LegacyESLint } from 'eslint/use-at-your-own-risk';

// src/runtime/ is bundled into the user's function: the lint rule keeps aws-cdk-lib, constructs
// and the construct layer out of it. Checked with the rule the lint configuration gives a real
// runtime file, on sample imports.
const ROOT = path.join(__dirname, '..', '..');

async function importErrors(source: string, layer: 'runtime' | 'testing' = 'runtime'): Promise<string[]> {
  const config = await new LegacyESLint({ cwd: ROOT }).calculateConfigForFile(path.join(ROOT, 'src', layer, 'index.ts'));
  const rule = config.rules?.['no-restricted-imports'];
  const linter = new LegacyESLint({
    cwd: ROOT,
    useEslintrc: false,
    overrideConfig: { parser: config.parser, parserOptions: { sourceType: 'module' }, rules: { 'no-restricted-imports': rule } },
  });
  const [result] = await linter.lintText(source, { filePath: path.join(ROOT, 'src', layer, 'probe.ts') });
  return result.messages.map(message => message.message);
}

test.each([
  ["import { Stack } from 'aws-cdk-lib';"],
  ["import { aws_s3 } from 'aws-cdk-lib/aws-s3';"],
  ["import { Construct } from 'constructs';"],
  ["import { LambdaInvokeStep } from '../lambda-invoke-step';"],
  ["import { checkLambdaInvokeStepProps } from '../private/validation';"],
  ["import { TrackedPolicy } from '../private/tracked-policy';"],
])('%s is refused under src/runtime/', async source => {
  expect(await importErrors(source)).toEqual([expect.stringContaining('src/runtime/ runs inside the Lambda function')]);
});

test('the limits and wire format both layers share, the SDK and the runtime\'s own files are allowed', async () => {
  expect(await importErrors([
    "import { LIMITS } from '../common/limits';",
    "import { DECLARED_OUTPUT_VARIABLES_ENV } from '../common/wire-format';",
    "import { S3Client } from '@aws-sdk/client-s3';",
    "import { PipelineJob } from './job';",
  ].join('\n'))).toEqual([]);
});

// The testing harness stands for the services, so it must not share the limits it is there to check.
test('src/testing/ may not import the library\'s own limits', async () => {
  expect(await importErrors("import { LIMITS } from '../common/limits';", 'testing'))
    .toEqual([expect.stringContaining('never against the library\'s own limits')]);
  expect(await importErrors("import { CODEPIPELINE_MODEL } from './endpoints/codepipeline-model.generated';", 'testing')).toEqual([]);
});
