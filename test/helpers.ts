import * as path from 'path';
import { App, Stack, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

export const HANDLER_ENTRY = path.join(__dirname, 'fixtures', 'handler.ts');

/** A stack holding a pipeline whose first stage is an S3 source producing `source`. */
export function pipelineStack(stackName = 'TestStack') {
  const app = new App();
  const stack = new Stack(app, stackName);
  const bucket = new s3.Bucket(stack, 'SourceBucket', { versioned: true });
  const source = new codepipeline.Artifact('Source');
  const pipeline = new codepipeline.Pipeline(stack, 'Pipeline', {
    pipelineType: codepipeline.PipelineType.V2,
    stages: [{
      stageName: 'Source',
      actions: [new actions.S3SourceAction({ actionName: 'Source', bucket, bucketKey: 'source.zip', output: source })],
    }],
  });
  return { app, stack, bucket, source, pipeline };
}

type Resources = { [logicalId: string]: any };

/** The declaration of the pipeline action called `actionName`. */
export function findAction(template: Template, actionName: string): any {
  const pipelines = Object.values<any>(template.findResources('AWS::CodePipeline::Pipeline'));
  const found = pipelines
    .flatMap(pipeline => pipeline.Properties.Stages)
    .flatMap((stage: any) => stage.Actions)
    .filter((action: any) => action.Name === actionName);
  if (found.length !== 1) {
    throw new Error(`expected one action named ${actionName}, found ${found.length}`);
  }
  return found[0];
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
  const roleArn = findAction(template, actionName).RoleArn;
  const [logicalId, attribute] = roleArn['Fn::GetAtt'];
  expect(attribute).toBe('Arn');
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
