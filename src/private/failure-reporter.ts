import * as fs from 'fs';
import * as path from 'path';
import { Duration, aws_iam as iam, aws_lambda as lambda } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { newestNodejsRuntime } from './bundled-function';
import { traceFunction } from './function-tracing';
import { environmentHolder } from './lambda-function';
import { NagSuppression, explainOwnInlinePolicy, suppressNagFindings } from './nag';
import { TrackedPolicy } from './tracked-policy';
import { FAILURE_REPORTER_LOG_GROUP_ENV } from '../common/wire-format';

/**
 * The reporter's code, pre-built (scripts/build-failure-reporter.mjs) from src/failure-reporter/.
 * This file is in src/private/ or lib/private/, both two levels below the package's root.
 */
export const FAILURE_REPORTER_ASSET = path.join(__dirname, '..', '..', 'lib', 'assets', 'failure-reporter');

/** How many times Lambda retries the reporter itself (CodePipeline throttling or unavailable), before its record goes to the step's failure destination. */
const REPORTER_RETRY_ATTEMPTS = 2;

/**
 * After 20 minutes CodePipeline has failed the job for want of a result, so a report older than that
 * has no job to fail: its record goes to the failure destination instead.
 */
const REPORTER_MAX_EVENT_AGE = Duration.minutes(20);

/** The reporter's records, and so the step's failed events, land where the step keeps them (or nowhere, when none is wanted). */
export function createFailureReporter(step: Construct, keptIn: lambda.IDestination | undefined): lambda.Function {
  if (!fs.existsSync(path.join(FAILURE_REPORTER_ASSET, 'index.js'))) {
    // Only in a checkout of this library: the package ships the file.
    throw new Error(`The failure reporter's code is not built (${FAILURE_REPORTER_ASSET}): run \`npx projen compile\` in cdk-lambda-invoke-step`);
  }
  const reporter = new lambda.Function(step, 'FailureReporter', {
    description: 'Fails the CodePipeline job of an invocation of the step\'s function that failed for good (cdk-lambda-invoke-step)',
    runtime: newestNodejsRuntime(),
    handler: 'index.handler',
    code: lambda.Code.fromAsset(FAILURE_REPORTER_ASSET),
    // It loads the AWS SDK and makes one call; at 128 MB, with a fourteenth of a vCPU, loading alone takes seconds.
    memorySize: 256,
    // The SDK's own retries of one CodePipeline call fit well within it.
    timeout: Duration.seconds(30),
    onFailure: keptIn,
    retryAttempts: REPORTER_RETRY_ATTEMPTS,
    maxEventAge: REPORTER_MAX_EVENT_AGE,
  });
  const policy = new TrackedPolicy(reporter, 'ReportPolicy', {
    statements: [new iam.PolicyStatement({ actions: ['codepipeline:PutJobFailureResult'], resources: ['*'] })],
  });
  reporter.role!.attachInlinePolicy(policy);
  reporter.node.defaultChild!.node.addDependency(policy);
  suppressNagFindings(policy.node.defaultChild, [{
    id: 'AwsSolutions-IAM5',
    reason: 'codepipeline:PutJobFailureResult has no resource-level permissions: CodePipeline requires *.',
    applies_to: ['Resource::*'],
  }]);
  explainOwnInlinePolicy(policy.node.defaultChild, 'the permission to fail a job');
  suppressNagFindings(reporter.role!.node.defaultChild, [{
    id: 'AwsSolutions-IAM4',
    reason: 'AWSLambdaBasicExecutionRole allows only creating log streams and writing log events, which the reporter needs to log.',
    applies_to: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  }]);
  suppressNagFindings(reporter.node.defaultChild, [
    ...['HIPAA.Security-LambdaConcurrency', 'NIST.800.53.R5-LambdaConcurrency'].map(id => ({
      id,
      reason: 'The reporter runs only when an invocation of the step\'s function failed for good. Reserving concurrency for it would take '
        + 'from the account\'s unreserved pool, which Lambda refuses below its minimum; a throttled report is retried by Lambda.',
    })),
    ...keptIn ? ['Serverless-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'].map(id => ({
      id,
      reason: 'A report the reporter could not make goes, with the step\'s event, to the step\'s failure destination (its EventInvokeConfig).',
    })) : [],
  ]);
  return reporter;
}

/**
 * The reporter runs where the step's function runs: in its VPC, subnets and security groups (so it
 * reaches CodePipeline the way the function does), traced when the function is, and told the
 * function's log group when it is not Lambda's default. Called once the function exists.
 */
export function followStepFunction(reporter: lambda.Function, fn: lambda.IFunction): void {
  const stepResource = environmentHolder(fn)?.node.defaultChild;
  const step = stepResource instanceof lambda.CfnFunction ? stepResource : undefined;
  const resource = reporter.node.defaultChild as lambda.CfnFunction;
  // The L1 properties as aws-cdk-lib's Function sets them (camelCase, before rendering).
  const vpcConfig = step?.vpcConfig as lambda.CfnFunction.VpcConfigProperty | undefined;
  const inVpc = vpcConfig?.subnetIds !== undefined;
  if (inVpc) {
    resource.vpcConfig = vpcConfig;
    reporter.role!.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'));
    suppressNagFindings(reporter.role!.node.defaultChild, [{
      id: 'AwsSolutions-IAM4',
      reason: 'AWSLambdaVPCAccessExecutionRole allows only managing the network interfaces through which a function in a VPC reaches its subnets, which Lambda needs to run it there.',
      applies_to: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'],
    }]);
  }
  const traced = (step?.tracingConfig as lambda.CfnFunction.TracingConfigProperty | undefined)?.mode;
  if (traced === lambda.Tracing.ACTIVE || traced === lambda.Tracing.PASS_THROUGH) {
    traceFunction(reporter, reporter, traced);
  }
  const logGroup = (step?.loggingConfig as lambda.CfnFunction.LoggingConfigProperty | undefined)?.logGroup;
  if (logGroup !== undefined) {
    reporter.addEnvironment(FAILURE_REPORTER_LOG_GROUP_ENV, logGroup);
  }
  const followed = 'The reporter runs as the step\'s function does, which has this finding itself: make the choice there (README, Compliance) and the reporter follows.';
  const findings: NagSuppression[] = [
    ...inVpc ? [] : ['HIPAA.Security-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC'],
    ...traced === lambda.Tracing.ACTIVE ? [] : ['Serverless-LambdaTracing'],
  ].map(id => ({ id, reason: followed }));
  suppressNagFindings(resource, findings);
}
