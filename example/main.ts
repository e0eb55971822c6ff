import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { ExamplePipelineStack } from './pipeline-stack';
import { runSynthesizedStep } from '../src/testing';
import { findSynthesizedStep } from '../src/testing/synthesized';

// The main job: synthesize the example pipeline, then run its step's bundled asset (the code
// that would be deployed) on this machine against loopback endpoints, and report what it did.
async function main() {
  console.log('Synthesizing the example pipeline (example/pipeline-stack.ts), bundling its step with esbuild...');
  const app = new App({ outdir: process.env.CDK_OUTDIR ?? path.join(__dirname, 'cdk.out') });
  const stack = new ExamplePipelineStack(app, 'LambdaInvokeStepExample');
  const artifact = app.synth().getStackByName(stack.stackName);
  const resources = Object.values<any>(artifact.template.Resources);
  const stages: any[] = resources.find(resource => resource.Type === 'AWS::CodePipeline::Pipeline').Properties.Stages;
  const relative = (file: string) => path.relative(process.cwd(), file);

  const sourceDirectory = path.join(__dirname, 'source-artifact');
  const synthesized = findSynthesizedStep(stack.smokeTest);
  console.log([
    `Synthesized ${stack.stackName} with ${resources.length} resources.`,
    `Template: ${relative(artifact.templateFullPath)}`,
    `Pipeline: ${stages.map(stage => `${stage.Name} [${stage.Actions.map((action: any) => `${action.Name} (${action.ActionTypeId.Provider})`).join(', ')}]`).join(' -> ')}`,
    '',
    `Running ${synthesized.action?.name ?? 'the step'} locally: its bundled asset ${relative(synthesized.assetDirectory)} in a Node.js process, `
      + `with ${relative(sourceDirectory)} as its input artifact Source. S3 and CodePipeline are endpoints on 127.0.0.1 that this run `
      + 'starts and stops; no AWS account is reached, and every credential is made up.',
  ].join('\n'));
  const run = await runSynthesizedStep(stack.smokeTest, { inputArtifacts: { Source: sourceDirectory } });

  // What the downstream actions will see once CodePipeline fills in the step's variables.
  const namespace = synthesized.action?.namespace;
  const resolve = (value: string) => value.replace(/#\{([^.}]+)\.([^}]+)\}/g, (expression, ns, name) =>
    ns === namespace && name in run.outputVariables ? run.outputVariables[name] : expression);
  const downstream = stages.flatMap(stage => stage.Actions)
    .filter(action => JSON.stringify(action.Configuration ?? {}).includes(`#{${namespace}.`));

  console.log([
    `Result of ${synthesized.action?.name ?? 'the step'}:`,
    `  outcome: ${run.outcome} after ${run.invocations} invocation${run.invocations === 1 ? '' : 's'}`,
    ...(run.failureDetails ? [`  failure (${run.failureDetails.type}): ${run.failureDetails.message}`] : []),
    ...(run.executionDetails?.summary ? [`  summary: ${run.executionDetails.summary}`] : []),
    `  output variables: ${Object.entries(run.outputVariables).map(([name, value]) => `${name} = ${value}`).join(', ') || 'none'}`,
    ...Object.entries(run.outputArtifacts).map(([name, files]) =>
      `  output artifact ${name}: ${Object.entries(files).map(([file, content]) => `${file} (${content.length} bytes)`).join(', ')}`),
    `  the function's log lines (${run.logs.length}, secrets redacted):`,
    ...run.logs.map(line => `    | ${line}`),
    ...run.warnings.map(warning => `  note: ${warning}`),
    ...downstream.flatMap(action => [
      `  downstream action ${action.Name}, configuration with the variables filled in:`,
      ...Object.entries<string>(action.Configuration).map(([key, value]) => `    ${key}: ${resolve(value)}`),
    ]),
  ].join('\n'));
  if (run.outcome !== 'succeeded') {
    process.exitCode = 1;
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
