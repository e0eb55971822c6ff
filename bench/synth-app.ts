// One synthesis, timed from the first construct to the end of app.synth(), in a fresh process
// so no asset cache carries over: synth-app.ts <construct|hand-written|snapshot|snapshot-without-bundling> <steps>.
// The snapshot variants give each step an entry of its own (a pipeline of different steps) and take
// templateForSnapshot of the stack, as a user's snapshot test does.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  App, Duration, Stack, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_iam as iam, aws_lambda as lambda,
  aws_lambda_destinations as destinations, aws_lambda_nodejs as nodejs, aws_s3 as s3, aws_sqs as sqs,
} from 'aws-cdk-lib';
import { LambdaInvokeStep } from '../src';
import { appWithoutBundling, templateForSnapshot } from '../src/testing';

const [variant, count] = [process.argv[2], Number(process.argv[3])];
const entry = path.join(__dirname, 'fixtures', 'runtime-handler.ts');
const started = process.hrtime.bigint();
const snapshot = variant.startsWith('snapshot');
const app = variant === 'snapshot-without-bundling' ? appWithoutBundling({ outdir: process.env.BENCH_OUTDIR }) : new App({ outdir: process.env.BENCH_OUTDIR });
const entries = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-entries-'));
const entryOf = (i: number) => {
  if (!snapshot) {
    return entry;
  }
  const own = path.join(entries, `step-${i}.ts`);
  fs.writeFileSync(own, `${fs.readFileSync(entry, 'utf8').replace(/from '\.\.\/\.\.\//g, `from '${path.join(__dirname, '..')}/`)}\nexport const step = ${i};\n`);
  return own;
};
const stack = new Stack(app, 'Bench');
const source = new codepipeline.Artifact('Source');
const pipeline = new codepipeline.Pipeline(stack, 'Pipeline', {
  stages: [{ stageName: 'Source', actions: [new actions.S3SourceAction({ actionName: 'Source', bucket: new s3.Bucket(stack, 'Bucket'), bucketKey: 'k', output: source })] }],
});
const steps: codepipeline.IAction[] = [];
for (let i = 0; i < count; i++) {
  if (variant !== 'hand-written') {
    steps.push(new LambdaInvokeStep(stack, `Step${i}`, { entry: entryOf(i), inputs: [source], runOrder: i + 1 }).action);
  } else {
    // What a user writes without the construct, with the same settings.
    const queue = new sqs.Queue(stack, `Failures${i}`, { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    const fn = new nodejs.NodejsFunction(stack, `Function${i}`, {
      entry,
      runtime: lambda.Runtime.NODEJS_24_X,
      timeout: Duration.minutes(5),
      onFailure: new destinations.SqsDestination(queue),
      retryAttempts: 2,
      maxEventAge: Duration.minutes(20),
    });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'], resources: ['*'] }));
    steps.push(new actions.LambdaInvokeAction({ actionName: `Step${i}`, lambda: fn, inputs: [source], runOrder: i + 1 }));
  }
}
pipeline.addStage({ stageName: 'Test', actions: steps });
if (snapshot) {
  templateForSnapshot(stack);
} else {
  app.synth();
}
fs.rmSync(entries, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ milliseconds: Number(process.hrtime.bigint() - started) / 1e6 })}\n`);
