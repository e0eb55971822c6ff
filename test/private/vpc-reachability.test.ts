import { Stack, aws_codepipeline as codepipeline, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { LambdaInvokeStep } from '../../src';
import { HANDLER_ENTRY, pipelineStack } from '../support/template';

type VpcSetup = (stack: Stack) => { vpc: ec2.IVpc; vpcSubnets?: ec2.SubnetSelection; allowPublicSubnet?: boolean };

/** The warnings and notes on a step whose function runs in the VPC `setup` makes; `artifacts`: whether its action has an input. */
function annotationsFor(setup: VpcSetup, artifacts = true) {
  const { stack, pipeline, source } = pipelineStack('TestStack');
  const functionProps = setup(stack);
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: artifacts ? [source] : undefined, functionProps });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  const annotations = Annotations.fromStack(stack);
  const texts = (found: Array<{ entry: { data?: unknown } }>) => found.map(message => String(message.entry.data));
  return {
    warnings: texts(annotations.findWarning('/TestStack/SmokeTest', Match.anyValue())),
    notes: texts(annotations.findInfo('/TestStack/SmokeTest', Match.anyValue())),
  };
}

const isolated = (stack: Stack) => new ec2.Vpc(stack, 'Vpc', {
  natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
});

test('isolated subnets and no endpoints: a warning for CodePipeline and one for S3, naming the subnets and what to add', () => {
  const { warnings } = annotationsFor(stack => ({ vpc: isolated(stack) }));
  expect(warnings).toHaveLength(2);
  expect(warnings[0]).toMatch(/^The function runs in subnets with no route to CodePipeline \(TestStack\/Vpc\/IsolatedSubnet1, TestStack\/Vpc\/IsolatedSubnet2: no NAT, and VPC TestStack\/Vpc has no endpoint for codepipeline\): the function cannot report the job's result, so every job would fail only when the action times out after 20 minutes\. .*InterfaceVpcEndpointAwsService\.CODEPIPELINE/);
  expect(warnings[1]).toMatch(/no route to S3 .*cannot read or write the job's artifacts.*GatewayVpcEndpointAwsService\.S3/);
});

test('a step without artifacts needs only CodePipeline', () => {
  const { warnings } = annotationsFor(stack => ({ vpc: isolated(stack) }), false);
  expect(warnings).toEqual([expect.stringMatching(/no route to CodePipeline/)]);
});

test('endpoints added after the step count: no warning', () => {
  const { stack, pipeline, source } = pipelineStack('TestStack');
  const vpc = isolated(stack);
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source], functionProps: { vpc } });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  vpc.addInterfaceEndpoint('CodePipeline', { service: ec2.InterfaceVpcEndpointAwsService.CODEPIPELINE });
  new ec2.InterfaceVpcEndpoint(stack, 'S3Endpoint', { vpc, service: ec2.InterfaceVpcEndpointAwsService.S3 });
  expect(Annotations.fromStack(stack).findWarning('/TestStack/SmokeTest', Match.anyValue())).toEqual([]);
});

test('only the missing endpoint is named', () => {
  const { warnings } = annotationsFor(stack => {
    const vpc = isolated(stack);
    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    return { vpc };
  });
  expect(warnings).toEqual([expect.stringMatching(/no route to CodePipeline/)]);
});

test('subnets with a NAT route: no warning', () => {
  expect(annotationsFor(stack => ({ vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 1 }) })).warnings).toEqual([]);
});

test('public subnets do not count as a route: a function\'s network interface has no public address', () => {
  const { warnings } = annotationsFor(stack => ({
    vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] }),
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    allowPublicSubnet: true,
  }));
  expect(warnings).toEqual([expect.stringMatching(/no route to CodePipeline/), expect.stringMatching(/no route to S3/)]);
});

test('an imported VPC is named as unchecked, not warned about', () => {
  const { warnings, notes } = annotationsFor(stack => ({
    vpc: ec2.Vpc.fromVpcAttributes(stack, 'Imported', { vpcId: 'vpc-1234', availabilityZones: ['us-east-1a'], privateSubnetIds: ['subnet-1'] }),
  }));
  expect(warnings).toEqual([]);
  expect(notes).toEqual([expect.stringMatching(/^The function's VPC TestStack\/Imported is imported, so the step could not check that its subnets reach CodePipeline and S3/)]);
});

test('a function outside a VPC is not checked', () => {
  const { stack, pipeline, source } = pipelineStack('TestStack');
  const step = new LambdaInvokeStep(stack, 'SmokeTest', { entry: HANDLER_ENTRY, inputs: [source], outputs: [new codepipeline.Artifact('Out')] });
  pipeline.addStage({ stageName: 'Test', actions: [step.action] });
  const annotations = Annotations.fromStack(stack);
  expect([...annotations.findWarning('*', Match.anyValue()), ...annotations.findInfo('*', Match.anyValue())]).toEqual([]);
});
