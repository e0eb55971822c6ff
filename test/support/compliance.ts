import { Duration, Stack, aws_ec2 as ec2, aws_lambda as lambda, aws_sqs as sqs } from 'aws-cdk-lib';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { HANDLER_ENTRY, pipelineStack } from './template';
import { LambdaInvokeStep, LambdaInvokeStepProps } from '../../src';

// What the compliance tests of both cdk-nag majors share: the steps they check and what a user is left with.

/** A plain pipeline with a step of `props` reading the source artifact. */
export function stepInPipeline(props: (stack: Stack) => Partial<LambdaInvokeStepProps> = () => ({})) {
  const { app, stack, pipeline, source } = pipelineStack('TestStack');
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source], ...props(stack) });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  return { app, stack, step };
}

/** The step's constructs and its action's, by path below the stack. */
export const STEP = /^(SmokeTest|Pipeline\/Test\/SmokeTest)\//;

/** What a default step leaves to the user: each a setting of theirs, which README names. */
export const USER_CHOICES = [
  'SmokeTest/Function/Resource: HIPAA.Security-LambdaConcurrency',
  'SmokeTest/Function/Resource: HIPAA.Security-LambdaInsideVPC',
  'SmokeTest/Function/Resource: NIST.800.53.R5-LambdaConcurrency',
  'SmokeTest/Function/Resource: NIST.800.53.R5-LambdaInsideVPC',
  'SmokeTest/Function/Resource: PCI.DSS.321-LambdaInsideVPC',
  'SmokeTest/Function/Resource: Serverless-LambdaTracing',
];

/** What a statement the user adds to the function's role (s3:GetObject on *) keeps: every finding, on the role's default policy. */
export const USER_STATEMENT_FINDINGS = [
  'SmokeTest/Function/ServiceRole/DefaultPolicy/Resource: AwsSolutions-IAM5[Resource::*]',
  'SmokeTest/Function/ServiceRole/DefaultPolicy/Resource: HIPAA.Security-IAMNoInlinePolicy',
  'SmokeTest/Function/ServiceRole/DefaultPolicy/Resource: NIST.800.53.R5-IAMNoInlinePolicy',
  'SmokeTest/Function/ServiceRole/DefaultPolicy/Resource: PCI.DSS.321-IAMNoInlinePolicy',
];

/** README's compliant configuration: a VPC without internet, reached through endpoints; tracing, concurrency, memory; a DLQ behind the failure queue. */
export function compliantProps(stack: Stack): Partial<LambdaInvokeStepProps> {
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  vpc.addInterfaceEndpoint('CodePipeline', { service: ec2.InterfaceVpcEndpointAwsService.CODEPIPELINE });
  vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
  const failureDeadLetters = new sqs.Queue(stack, 'FailureDeadLetters', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
  });
  return {
    functionProps: { vpc, tracing: lambda.Tracing.ACTIVE, reservedConcurrentExecutions: 5, memorySize: 512 },
    failureQueueDeadLetterQueue: { queue: failureDeadLetters, maxReceiveCount: 5 },
  };
}

/** A failure destination of the user's: an encrypted, SSL-only queue of their own. */
export function userFailureDestination(stack: Stack): lambda.IDestination {
  return new SqsDestination(new sqs.Queue(stack, 'MyFailures', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true }));
}
