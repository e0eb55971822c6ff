// Integration snapshot: the example pipeline (S3 source, LambdaInvokeStep with artifacts,
// parameters and a declared variable, a manual approval reading the variable).
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import { ExamplePipelineStack } from '../example/pipeline-stack';
import { acknowledgeEmptyAssertionStack } from './support/integ';

const app = new App();
acknowledgeEmptyAssertionStack(new IntegTest(app, 'PlainPipeline', { testCases: [new ExamplePipelineStack(app, 'LambdaInvokeStepIntegPlain')] }));
app.synth();
