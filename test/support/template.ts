import * as path from 'path';
import { App, AppProps, Stack, StackProps, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

export const HANDLER_ENTRY = path.join(__dirname, '..', 'fixtures', 'handler.ts');

/**
 * An app that does not bundle function code: tests about templates need no bundle, and esbuild
 * in every test is most of their time. Tests that run the code use `new App()`.
 */
export function appWithoutBundling(props: AppProps = {}): App {
  return new App({ ...props, context: { 'aws:cdk:bundling-stacks': [], ...props.context } });
}

/** A stack holding a pipeline whose first stage is an S3 source producing `source`. */
export function pipelineStack(
  stackName = 'TestStack',
  pipelineProps: Partial<codepipeline.PipelineProps> = {},
  artifactBucket?: (stack: Stack) => s3.IBucket,
  stackProps: StackProps = {},
) {
  const app = appWithoutBundling();
  const stack = new Stack(app, stackName, stackProps);
  const bucket = new s3.Bucket(stack, 'SourceBucket', { versioned: true });
  const source = new codepipeline.Artifact('Source');
  const pipeline = new codepipeline.Pipeline(stack, 'Pipeline', {
    pipelineType: codepipeline.PipelineType.V2,
    artifactBucket: artifactBucket?.(stack),
    stages: [{
      stageName: 'Source',
      actions: [new actions.S3SourceAction({ actionName: 'Source', bucket, bucketKey: 'source.zip', output: source })],
    }],
    ...pipelineProps,
  });
  return { app, stack, bucket, source, pipeline };
}

type Resources = { [logicalId: string]: any };

/** Every action of the template's pipelines, with the name of its stage. */
export function pipelineActions(template: Template): Array<{ stage: string; action: any }> {
  return Object.values<any>(template.findResources('AWS::CodePipeline::Pipeline'))
    .flatMap(pipeline => pipeline.Properties.Stages)
    .flatMap((stage: any) => stage.Actions.map((action: any) => ({ stage: stage.Name, action })));
}

/** The only action whose name is `name` (or matches it), with its stage. */
export function actionNamed(template: Template, name: string | RegExp): { stage: string; action: any } {
  const found = pipelineActions(template).filter(({ action }) => typeof name === 'string' ? action.Name === name : name.test(action.Name));
  if (found.length !== 1) {
    throw new Error(`expected one action named ${name}, found ${found.length}`);
  }
  return found[0];
}

/** The declaration of the only action whose name is `name` (or matches it). */
export function findAction(template: Template, name: string | RegExp): any {
  return actionNamed(template, name).action;
}

/** Every IAM statement attached (through AWS::IAM::Policy) to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): any[] {
  const policies: Resources = template.findResources('AWS::IAM::Policy');
  return Object.values<any>(policies)
    .filter(policy => policy.Properties.Roles.some((role: any) => role.Ref === roleLogicalId))
    .flatMap(policy => policy.Properties.PolicyDocument.Statement);
}

/** The logical id of the role that runs the action called `actionName`. */
export function roleRunningAction(template: Template, actionName: string): string {
  const [logicalId] = findAction(template, actionName).RoleArn['Fn::GetAtt'];
  return logicalId;
}

/** The logical id of the only resource of a type. */
export function onlyLogicalId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) {
    throw new Error(`expected one ${type}, found ${ids.length}`);
  }
  return ids[0];
}

/** `arn:<partition>` followed by `parts`, as CDK writes an ARN it builds from text. */
export function partitionArn(...parts: unknown[]) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ...parts]] };
}

/** The logical id and properties of the only role with a physical name (`roleName`, when given: that one). */
export function namedRole(template: Template, roleName?: string): [string, any] {
  const named = Object.entries<any>(template.findResources('AWS::IAM::Role'))
    .filter(([, role]) => role.Properties.RoleName !== undefined && (roleName === undefined || role.Properties.RoleName === roleName));
  if (named.length !== 1) {
    throw new Error(`expected one named role${roleName ? ` ${roleName}` : ''}, found ${named.length}`);
  }
  return [named[0][0], named[0][1].Properties];
}

/** The logical id of the only function that is not a step's failure reporter. */
export function stepFunctionLogicalId(template: Template): string {
  const ids = Object.keys(template.findResources('AWS::Lambda::Function')).filter(id => !/FailureReporter[0-9A-F]{8}$/.test(id));
  if (ids.length !== 1) {
    throw new Error(`expected one function besides failure reporters, found ${ids.length}`);
  }
  return ids[0];
}

/** The logical id of the only failure reporter. */
export function failureReporterLogicalId(template: Template): string {
  const ids = Object.keys(template.findResources('AWS::Lambda::Function')).filter(id => /FailureReporter[0-9A-F]{8}$/.test(id));
  if (ids.length !== 1) {
    throw new Error(`expected one failure reporter, found ${ids.length}`);
  }
  return ids[0];
}
