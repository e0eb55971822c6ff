import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { ExamplePipelineStack } from './pipeline-stack';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? path.join(__dirname, 'cdk.out') });
const stack = new ExamplePipelineStack(app, 'LambdaInvokeStepExample');
const artifact = app.synth().getStackByName(stack.stackName);

const resources = Object.values<any>(artifact.template.Resources);
const stages = resources.find(resource => resource.Type === 'AWS::CodePipeline::Pipeline').Properties.Stages;
const summary = stages.map((stage: any) => `  ${stage.Name}: ${stage.Actions.map((action: any) => `${action.Name} (${action.ActionTypeId.Provider})`).join(', ')}`);

console.log([
  `Synthesized ${stack.stackName} with ${resources.length} resources.`,
  `Template: ${path.relative(process.cwd(), artifact.templateFullPath)}`,
  'Pipeline stages:',
  ...summary,
].join('\n'));
