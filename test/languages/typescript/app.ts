import { App } from 'aws-cdk-lib';
import { DeliveryStack } from './delivery-stack';
import { PipelineStack } from './pipeline-stack';

// Run from the app's root (test/languages), as `cdk synth` runs an app: the stacks name lambda/ from there.
const app = new App();
new PipelineStack(app, 'PipelineStack');
new DeliveryStack(app, 'DeliveryStack');
app.synth();
