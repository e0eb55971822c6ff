import * as fs from 'fs';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { STEP, USER_CHOICES, USER_STATEMENT_FINDINGS, compliantProps, stepInPipeline, userFailureDestination } from './support/compliance';
import { pipelinesApp } from './support/pipelines-app';

// cdk-nag 3 runs its packs as aws-cdk-lib policy validation plugins and reads aws-cdk-lib's
// acknowledgments (`Validations`, aws-cdk-lib 2.257 and later). The floor (2.224) has neither and
// cdk-nag 3 does not install beside it, so these tests run in the newest-release run
// (scripts/test-latest-aws-cdk-lib.sh installs cdk-nag 3 as `cdk-nag-v3`), and are skipped, for that
// reason only, at the floor; compliance.test.ts holds the same cases for cdk-nag 2 on both.

const Validations: any = (cdk as any).Validations;
const nag3 = loadCdkNag3();

function loadCdkNag3(): any {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies -- installed only by the newest-release run
    return require('cdk-nag-v3');
  } catch (error) {
    if (process.env.CDK_LATEST_RELEASE_RUN === '1') {
      throw new Error(`The newest-release run must have cdk-nag 3 installed as cdk-nag-v3: ${(error as Error).message}`);
    }
    return undefined;
  }
}

const PACKS = ['AwsSolutionsChecks', 'ServerlessChecks', 'NIST80053R5Checks', 'HIPAASecurityChecks', 'PCIDSS321Checks'];

/**
 * Synthesizes `app` with every pack registered as a user registers them, and returns the findings
 * (errors and warnings) on constructs whose path below the stack matches `where`, as `<path>: <rule>[<finding>]`.
 */
function nag3Findings(app: cdk.App, where: RegExp): string[] {
  Validations.of(app).addPlugins(...PACKS.map(pack => new nag3[pack](app)));
  let report: any = { pluginReports: [] };
  try {
    app.synth();
  } catch (error) {
    const reportPath = /found in: (\S+validation-report\.json)/.exec((error as Error).message)?.[1];
    if (!reportPath) {
      throw error;
    }
    report = JSON.parse(fs.readFileSync(path.resolve(app.outdir, reportPath), 'utf8'));
  }
  return report.pluginReports.flatMap((plugin: any) => plugin.violations.flatMap((violation: any) =>
    violation.violatingConstructs.map((construct: any) => `${construct.constructPath.replace(/^[^/]+\//, '')}: ${violation.ruleName}`)))
    .filter((finding: string) => where.test(finding))
    .sort();
}

const describeWithCdkNag3 = nag3 ? describe : describe.skip;

describeWithCdkNag3('cdk-nag 3', () => {
  test('a default step: every inherent finding is acknowledged, every choice of the user\'s is reported', () => {
    const { app } = stepInPipeline();
    expect(nag3Findings(app, STEP)).toEqual(USER_CHOICES);
  });

  test('docs/compliance.md\'s compliant configuration leaves no finding on the step', () => {
    const { app, stack } = stepInPipeline(compliantProps);
    Validations.of(stack.node.findChild('FailureDeadLetters')).acknowledge({
      id: 'Serverless-SQSRedrivePolicy', reason: 'This queue is the dead-letter queue of the step\'s failure queue.',
    });
    expect(nag3Findings(app, /^(SmokeTest|Pipeline\/Test\/SmokeTest|FailureDeadLetters)\//)).toEqual([]);
  });

  test('without the acknowledgments, the inherent findings come back: cdk-nag 3 reads nothing else the step writes (the check can fail)', () => {
    const acknowledge = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    const { app } = stepInPipeline(compliantProps);
    acknowledge.mockRestore();
    expect(nag3Findings(app, STEP)).toEqual(expect.arrayContaining([
      'SmokeTest/FailureQueuePolicy/Resource: NIST.800.53.R5-IAMNoInlinePolicy',
      'SmokeTest/Function/Resource: Serverless-LambdaDLQ',
      'SmokeTest/Function/ServiceRole/Resource: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'SmokeTest/JobResultPolicy/Resource: AwsSolutions-IAM5[Resource::*]',
      'SmokeTest/TracingPolicy/Resource: AwsSolutions-IAM5[Resource::*]',
    ]));
  });

  test('aws-cdk-lib 2.257 to 2.269, whose acknowledge refuses an id with "::" past a prefix, still synthesize a step, and only those findings stay', () => {
    // Those releases split an id on every '::' and throw when there are more than two parts.
    const original = Validations.prototype.acknowledge;
    const acknowledge = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: unknown, ...rules: any) {
      const refused = rules.find((rule: { id: string }) => rule.id.split('::').length > 2);
      if (refused) {
        throw new Error(`Invalid validation rule ID '${refused.id}'. The '::' delimiter is reserved for separating the prefix from the rule name (e.g. 'prefix::RuleName').`);
      }
      return original.apply(this, rules);
    });
    let built: ReturnType<typeof stepInPipeline>;
    try {
      built = stepInPipeline();
    } finally {
      acknowledge.mockRestore();
    }
    const findings = nag3Findings(built.app, STEP);
    expect(findings).toEqual(expect.arrayContaining(USER_CHOICES));
    const unexplained = findings.filter(finding => !USER_CHOICES.includes(finding));
    expect(unexplained.length).toBeGreaterThan(0);
    expect(unexplained.filter(finding => finding.split('::').length <= 2)).toEqual([]);
  });

  test('a failure destination the user gives leaves only the user\'s choices', () => {
    const { app } = stepInPipeline(scope => ({ failureDestination: userFailureDestination(scope) }));
    expect(nag3Findings(app, STEP)).toEqual(USER_CHOICES);
  });

  test('a statement the user adds to the function\'s role keeps its findings', () => {
    const { app, step } = stepInPipeline(compliantProps);
    step.lambdaFunction.addToRolePolicy(new cdk.aws_iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    expect(nag3Findings(app, /^SmokeTest\/Function\/ServiceRole\/DefaultPolicy\//)).toEqual(USER_STATEMENT_FINDINGS);
  });

  test('in CDK Pipelines, the step\'s function and action leave only the user\'s choices', () => {
    const { app, pipeline, prod, smokeTest } = pipelinesApp();
    pipeline.addStage(prod, { post: [smokeTest] });
    pipeline.buildPipeline();
    expect(nag3Findings(app, /^(SmokeTestFunction|Pipeline\/Pipeline\/Prod\/SmokeTest)\//))
      .toEqual(USER_CHOICES.map(finding => finding.replace(/^SmokeTest\//, 'SmokeTestFunction/')));
  });
});
