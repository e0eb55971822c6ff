import * as path from 'path';
import { App, Stack, aws_lambda as lambda } from 'aws-cdk-lib';
import { LambdaInvokeStep } from '../../src';
import { writeZip } from '../../src/runtime/zip-writer';
import { runBundledStep, runPythonStep, runSynthesizedStep } from '../../src/testing';
import { temporaryDirectory } from '../support/zip';

// A function's layers are there as Lambda gives them: their content merged in order into the run's
// stand-in for /opt, found through PATH (bin/), PYTHONPATH (python/) and NODE_PATH (nodejs/node_modules/).
const FIXTURES = path.join(__dirname, '..', 'fixtures');
const LAYERS = path.join(FIXTURES, 'layers');
const PYTHON = process.env.PYTHON_FOR_TESTS ?? '/usr/bin/python3';

test('a Python function finds a layer\'s python/ module and bin/ tool', async () => {
  const run = await runPythonStep(path.join(FIXTURES, 'python-steps'), 'layer_step.handler', {
    runtime: 'python3.11', python: PYTHON, layers: { greeting: path.join(LAYERS, 'python-greeting'), tool: path.join(LAYERS, 'bin-tool') },
  });
  expect(run.outputVariables).toEqual({ GREETING: 'hello from a Python layer', TOOL: 'tool from a layer' });
});

test('a Node.js function finds a layer\'s nodejs/node_modules and bin/, and a layer may be a .zip', async () => {
  const zipped = path.join(temporaryDirectory(), 'node-greeting.zip');
  await writeZip(path.join(LAYERS, 'node-greeting'), zipped);
  const run = await runBundledStep(path.join(FIXTURES, 'layer-node'), 'index.handler', { layers: { greeting: zipped, tool: path.join(LAYERS, 'bin-tool') } });
  expect(run.outputVariables).toEqual({ GREETING: 'hello from a Node.js layer', TOOL: 'tool from a layer' });
});

test('without its layer the function cannot import what the layer holds', async () => {
  const run = await runPythonStep(path.join(FIXTURES, 'python-steps'), 'layer_step.handler', { runtime: 'python3.11', python: PYTHON });
  expect(run.failureReport?.error).toEqual({ errorType: 'Runtime.ImportModuleError', errorMessage: 'Unable to import module \'layer_step\': No module named \'greeting\'' });
});

test('runSynthesizedStep uses the layers of the app\'s own assets, in the template\'s order', async () => {
  const stack = new Stack(new App(), 'Layered');
  const fn = new lambda.Function(stack, 'Node', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(FIXTURES, 'layer-node')),
    layers: [
      new lambda.LayerVersion(stack, 'Greeting', { code: lambda.Code.fromAsset(path.join(LAYERS, 'node-greeting')) }),
      new lambda.LayerVersion(stack, 'Tool', { code: lambda.Code.fromAsset(path.join(LAYERS, 'bin-tool')) }),
    ],
  });
  new LambdaInvokeStep(stack, 'Step', { existingFunction: fn });
  const run = await runSynthesizedStep(stack);
  expect(run.outputVariables).toEqual({ GREETING: 'hello from a Node.js layer', TOOL: 'tool from a layer' });
});

test('a layer that is neither a directory nor a zip is refused, naming it', async () => {
  await expect(runPythonStep(path.join(FIXTURES, 'python-steps'), 'layer_step.handler', { runtime: 'python3.11', python: PYTHON, layers: { greeting: path.join(LAYERS, 'missing') } }))
    .rejects.toThrow(`Layer 1 must be a directory, a .zip or a .jar file, as Lambda takes it; ${path.join(LAYERS, 'missing')} is not there`);
});
