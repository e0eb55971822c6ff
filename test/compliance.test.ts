import * as fs from 'fs';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Aspects, CfnElement, Stack, aws_iam as iam, aws_lambda as lambda } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagSuppressions, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { STEP, USER_CHOICES, USER_STATEMENT_FINDINGS, compliantProps, stepInPipeline, userFailureDestination } from './support/compliance';
import { pipelinesApp } from './support/pipelines-app';
import { temporaryDirectory } from './support/zip';

// Every cdk-nag pack and AWS Control Tower's proactive controls (cfn-guard rules of
// @cdklabs/cdk-validator-cfnguard) on the resources a step creates: what is inherent to the design
// is explained or avoided, what is the user's choice (VPC, tracing, concurrency, memory) is reported
// until the user makes it, and the configuration docs/compliance.md shows passes everything.

const PACKS = [AwsSolutionsChecks, ServerlessChecks, NIST80053R5Checks, HIPAASecurityChecks, PCIDSS321Checks];

/** Unsuppressed findings of every pack on constructs whose path matches `where`, as `<path>: <rule>[<finding>]`. */
function nagFindings(stack: Stack, where: RegExp): string[] {
  for (const Pack of PACKS) {
    Aspects.of(stack).add(new Pack());
  }
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', Match.anyValue()), ...annotations.findWarning('*', Match.anyValue())]
    .filter(message => where.test(message.id) && /^[A-Za-z.0-9]+-[A-Za-z0-9]+/.test(String(message.entry.data)))
    .map(message => `${message.id.replace(/^\/[^/]+\//, '')}: ${/^[^:[]+(\[[^\]]*\])?/.exec(String(message.entry.data))![0]}`)
    .sort();
}

/** Control Tower's failed controls on resources whose path matches `where`, as `<path>: <rule>`. */
function controlTowerFindings(app: App, stack: Stack, where: RegExp): string[] {
  const template = app.synth().getStackByName(stack.stackName).template;
  const directory = temporaryDirectory('control-tower-');
  try {
    const templatePath = path.join(directory, 'template.json');
    fs.writeFileSync(templatePath, JSON.stringify(template));
    const report = new CfnGuardValidator({ controlTowerRulesEnabled: true }).validate({ templatePaths: [templatePath] });
    const paths = new Map(stack.node.findAll().filter((construct): construct is CfnElement => construct instanceof CfnElement)
      .map(element => [stack.getLogicalId(element), element.node.path.replace(/^[^/]+\//, '')]));
    // Named as Control Tower names its controls: `[CT.SQS.PR.1]: Require ...`.
    const control = (description: string) => /^\[([^\]]+)\]/.exec(description)?.[1] ?? description;
    return report.violations
      .flatMap(violation => violation.violatingResources.map(resource => `${paths.get(resource.resourceLogicalId)}: ${control(violation.description)}`))
      .filter(finding => where.test(finding))
      .sort();
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

const STEP_PATH = /^\/TestStack\/(SmokeTest|Pipeline\/Test\/SmokeTest)\//;

/** The explanation docs/compliance.md's configuration gives for its own dead-letter queue, which cdk-nag's Serverless pack asks for a DLQ too. */
function explainDeadLetterQueue(stack: Stack) {
  NagSuppressions.addResourceSuppressions(stack.node.findChild('FailureDeadLetters'), [
    { id: 'Serverless-SQSRedrivePolicy', reason: 'This queue is the dead-letter queue of the step\'s failure queue.' },
  ], true);
}

test('a default step: every inherent finding is explained or avoided, every choice of the user\'s is reported', () => {
  const { stack } = stepInPipeline();
  expect(nagFindings(stack, STEP_PATH)).toEqual(USER_CHOICES);
});

test('a default step under Control Tower: only the function outside a VPC (and its failure reporter, which runs where it runs) and the failure queue without a DLQ', () => {
  const { app, stack } = stepInPipeline();
  expect(controlTowerFindings(app, stack, STEP)).toEqual([
    'SmokeTest/FailureQueue/Resource: CT.SQS.PR.1',
    'SmokeTest/FailureReporter/Resource: CT.LAMBDA.PR.3',
    'SmokeTest/Function/Resource: CT.LAMBDA.PR.3',
  ]);
});

test('docs/compliance.md\'s compliant configuration passes every pack and every Control Tower control, on the step and what it is given', () => {
  const { app, stack } = stepInPipeline(compliantProps);
  explainDeadLetterQueue(stack);
  const ours = /^\/TestStack\/(SmokeTest|Pipeline\/Test\/SmokeTest|FailureDeadLetters)\//;
  expect(nagFindings(stack, ours)).toEqual([]);
  expect(controlTowerFindings(app, stack, /^(SmokeTest|Pipeline\/Test\/SmokeTest|FailureDeadLetters)\//)).toEqual([]);
  expect(Annotations.fromStack(stack).findWarning('/TestStack/SmokeTest', Match.anyValue())).toEqual([]);
});

test('without the explanations, the inherent findings come back (the check can fail)', () => {
  const { stack, step } = stepInPipeline(compliantProps);
  for (const construct of step.node.findAll()) {
    if (construct.node.tryGetContext !== undefined && (construct as any).getMetadata?.('cdk_nag')) {
      (construct as any).addMetadata('cdk_nag', { rules_to_suppress: [] });
    }
  }
  const findings = nagFindings(stack, STEP_PATH);
  expect(findings).toEqual(expect.arrayContaining([
    'SmokeTest/FailureQueuePolicy/Resource: NIST.800.53.R5-IAMNoInlinePolicy',
    'SmokeTest/Function/Resource: Serverless-LambdaDLQ',
    'SmokeTest/Function/ServiceRole/Resource: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    'SmokeTest/JobResultPolicy/Resource: HIPAA.Security-IAMNoInlinePolicy',
    'SmokeTest/TracingPolicy/Resource: AwsSolutions-IAM5[Resource::*]',
    'SmokeTest/FailureReporter/ReportPolicy/Resource: AwsSolutions-IAM5[Resource::*]',
    'SmokeTest/FailureReporter/Resource: NIST.800.53.R5-LambdaConcurrency',
    'SmokeTest/FailureReporter/Resource: Serverless-LambdaDLQ',
    'SmokeTest/FailureReporter/ServiceRole/Resource: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    'SmokeTest/FailureReporter/TracingPolicy/Resource: AwsSolutions-IAM5[Resource::*]',
    'SmokeTest/InvokeFailureReporterPolicy/Resource: PCI.DSS.321-IAMNoInlinePolicy',
  ]));
  // The reporter follows the function's VPC and tracing: when the function has neither, each finding shows once, on the function.
  const { stack: defaultStack } = stepInPipeline();
  expect(nagFindings(defaultStack, STEP_PATH).filter(finding => finding.startsWith('SmokeTest/FailureReporter/'))).toEqual([]);
});

test('a failure destination the user gives: its grant is a policy of the step\'s own, explained, and the step leaves only the user\'s choices', () => {
  const { stack } = stepInPipeline(scope => ({ failureDestination: userFailureDestination(scope) }));
  expect(nagFindings(stack, STEP_PATH)).toEqual(USER_CHOICES);
  const policy = stack.node.findChild('SmokeTest').node.findChild('FailureDestinationPolicy').node.defaultChild as CfnElement;
  expect(stack.resolve((policy as any).policyDocument).Statement).toEqual([expect.objectContaining({
    Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
  })]);
});

test('a statement the user adds to the function\'s role keeps its findings', () => {
  const { stack, step } = stepInPipeline(compliantProps);
  step.lambdaFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
  expect(nagFindings(stack, STEP_PATH)).toEqual(USER_STATEMENT_FINDINGS);
});

test('in CDK Pipelines, the step\'s function and action leave only the user\'s choices', () => {
  const { app, pipeline, pipelineStack: stack, prod, smokeTest } = pipelinesApp();
  pipeline.addStage(prod, { post: [smokeTest] });
  pipeline.buildPipeline();
  expect(nagFindings(stack, /^\/PipelineStack\/(SmokeTestFunction|Pipeline\/Pipeline\/Prod\/SmokeTest)\//))
    .toEqual(USER_CHOICES.map(finding => finding.replace(/^SmokeTest\//, 'SmokeTestFunction/')));
  expect(controlTowerFindings(app, stack, /^(SmokeTestFunction|Pipeline\/Pipeline\/Prod\/SmokeTest)\//)).toEqual([
    'SmokeTestFunction/FailureQueue/Resource: CT.SQS.PR.1',
    'SmokeTestFunction/FailureReporter/Resource: CT.LAMBDA.PR.3',
    'SmokeTestFunction/Function/Resource: CT.LAMBDA.PR.3',
  ]);
});

test('with an existing function, the step\'s own resources are clean and the user\'s function keeps every finding', () => {
  const { stack } = stepInPipeline(scope => ({
    entry: undefined,
    existingFunction: new lambda.Function(scope, 'Validator', {
      runtime: lambda.Runtime.PYTHON_3_13, handler: 'index.handler', code: lambda.Code.fromInline('def handler(event, context): pass'),
    }),
  }));
  expect(nagFindings(stack, STEP_PATH)).toEqual([]);
  expect(nagFindings(stack, /^\/TestStack\/Validator\/Resource$/)).toEqual(expect.arrayContaining([
    'Validator/Resource: NIST.800.53.R5-LambdaDLQ',
    'Validator/Resource: Serverless-LambdaTracing',
  ]));
});
