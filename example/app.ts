import { App } from 'aws-cdk-lib';
import { ExamplePipelineStack } from './pipeline-stack';

// The example app on its own, as `cdk synth` would run it (no step run): for tools that synthesize
// an app, such as the template validation test.
const app = new App();
new ExamplePipelineStack(app, 'LambdaInvokeStepExample');
app.synth();
