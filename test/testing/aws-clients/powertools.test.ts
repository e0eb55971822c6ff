import * as path from 'path';
import { App, Stack, aws_lambda as lambda } from 'aws-cdk-lib';
import { LambdaInvokeStep } from '../../../src';
import { runPythonStep, runSynthesizedStep } from '../../../src/testing';
import { clientsPython, powertoolsLayer } from '../../support/aws-clients';

// Powertools for AWS Lambda (Python) 3.37.0: its CodePipelineJobEvent's get_artifact and put_artifact
// round trip through the harness's S3 with the job's credentials, on the newest boto3 (which reads
// AWS_ENDPOINT_URL_*) and on Debian's 1.26 (which does not), where Powertools comes as its public layer.
const CODE = path.join(__dirname, '..', '..', 'fixtures', 'python-steps');
const DEBIAN_PYTHON = process.env.PYTHON_FOR_TESTS ?? '/usr/bin/python3';
const POWERTOOLS_LAYER_ARN = 'arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:18';
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const INPUT = { inputArtifacts: { Source: { 'message.txt': 'hello from the pipeline' } }, outputArtifacts: ['Upper'] };

function expectCopied(run: Awaited<ReturnType<typeof runPythonStep>>, boto3: RegExp) {
  expect(run.outcome).toBe('succeeded');
  expect(run.outputVariables).toEqual({ BOTO3: expect.stringMatching(boto3), CHARACTERS: '23' });
  expect(run.outputArtifacts.Upper['message.txt'].toString()).toBe('HELLO FROM THE PIPELINE');
}

test('with boto3 1.44.5 under awslambdaric, encrypted with the job\'s KMS key', async () => {
  const run = await runPythonStep(CODE, 'powertools_step.handler', { runtime: 'python3.11', python: clientsPython(), encryptionKeyId: KMS_KEY, ...INPUT });
  expectCopied(run, /^1\.44\.5$/);
  expect(run.runtimeClient).toMatch(/^awslambdaric 4\.2\.2/);
  expect(run.outputArtifactEncryption.Upper).toMatchObject({ serverSideEncryption: 'aws:kms', kmsKeyId: KMS_KEY });
});

describe('with Debian\'s boto3 1.26 and Powertools\' public layer, mapped to a directory', () => {
  const stackWithLayer = () => {
    const stack = new Stack(new App(), 'Powertools');
    const fn = new lambda.Function(stack, 'Copy', {
      runtime: lambda.Runtime.PYTHON_3_11,
      handler: 'powertools_step.handler',
      code: lambda.Code.fromAsset(CODE),
      layers: [lambda.LayerVersion.fromLayerVersionArn(stack, 'PowertoolsLayer', POWERTOOLS_LAYER_ARN)],
    });
    new LambdaInvokeStep(stack, 'Step', { existingFunction: fn });
    return stack;
  };

  test('the layer\'s python/ is on the path, and the round trip works', async () => {
    const layers = { [POWERTOOLS_LAYER_ARN]: powertoolsLayer() };
    const run = await runSynthesizedStep(stackWithLayer(), { python: DEBIAN_PYTHON, layers, ...INPUT });
    expectCopied(run, /^1\.26\./);
    expect(run.runtimeClient).toMatch(/^the harness's Python bootstrap on Python 3\./);
  });

  test('without the mapping, the run is refused, naming the layer and the option', async () => {
    await expect(runSynthesizedStep(stackWithLayer(), { python: DEBIAN_PYTHON, ...INPUT })).rejects.toThrow(
      `The function uses the layer ${POWERTOOLS_LAYER_ARN}, given by ARN: what it holds is not in the cloud assembly, and the function would run without it. `
      + `Give a directory with the layer's content (what its zip holds, such as python/ or nodejs/node_modules/): layers: { '${POWERTOOLS_LAYER_ARN}': '<directory>' } `
      + `(with the CLI, --layer ${POWERTOOLS_LAYER_ARN}=<directory>)`);
  });

  test('a mapping for a layer the function does not use is refused', async () => {
    const other = 'arn:aws:lambda:us-east-1:123456789012:layer:Other:1';
    const layers = { [POWERTOOLS_LAYER_ARN]: powertoolsLayer(), [other]: powertoolsLayer() };
    await expect(runSynthesizedStep(stackWithLayer(), { python: DEBIAN_PYTHON, layers, ...INPUT }))
      .rejects.toThrow(`layers maps ${other}, which the function does not use: its layers given by ARN are ${POWERTOOLS_LAYER_ARN}`);
  });
});
