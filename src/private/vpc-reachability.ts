import { Annotations, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** What a function in a VPC has to reach, and what to add when nothing in the app leads there. */
interface Destination {
  readonly service: string;
  /** How an endpoint's service name ends for this service (`com.amazonaws.<region>.<service>`). */
  readonly endpointService: RegExp;
  readonly consequence: string;
  readonly endpoint: string;
}

const CODEPIPELINE: Destination = {
  service: 'CodePipeline',
  endpointService: /\.codepipeline"/,
  consequence: 'the function cannot report the job\'s result, so every job would fail only when the action times out after 20 minutes',
  endpoint: 'vpc.addInterfaceEndpoint(\'CodePipeline\', { service: ec2.InterfaceVpcEndpointAwsService.CODEPIPELINE })',
};

const S3: Destination = {
  service: 'S3',
  endpointService: /\.s3"/,
  consequence: 'the function cannot read or write the job\'s artifacts, and a step that waits on them times out with the action after 20 minutes',
  endpoint: 'vpc.addGatewayEndpoint(\'S3\', { service: ec2.GatewayVpcEndpointAwsService.S3 })',
};

/**
 * Warns, at synthesis, when a function the step made runs in subnets that lead neither to the
 * internet through a NAT (or transit gateway, instance or peering) nor to an endpoint of a service
 * the step calls: nothing in the app then connects it, and the job hangs until CodePipeline's
 * timeout. Only what the app defines can be inspected: an imported VPC or subnet is named as unchecked.
 */
export function checkVpcReachability(
  owner: IConstruct, vpc: ec2.IVpc, selection: ec2.SubnetSelection | undefined, usesArtifacts: () => boolean,
): void {
  if (!(vpc instanceof ec2.Vpc)) {
    Annotations.of(owner).addInfo(`The function's VPC ${vpc.node.path} is imported, so the step could not check that its subnets reach CodePipeline and S3 `
      + '(a NAT route, or VPC endpoints for both): without them every job times out after 20 minutes.');
    return;
  }
  const subnets = vpc.selectSubnets(selection).subnets;
  const unchecked = subnets.filter(subnet => !(subnet instanceof ec2.Subnet));
  if (unchecked.length > 0) {
    Annotations.of(owner).addInfo(`The function's subnets ${unchecked.map(subnet => subnet.node.path).join(', ')} are imported, so the step could not check their routes to CodePipeline and S3.`);
  }
  const withoutEgress = subnets.filter(subnet => subnet instanceof ec2.Subnet && !hasEgressRoute(subnet));
  if (withoutEgress.length === 0) {
    return;
  }
  for (const destination of usesArtifacts() ? [CODEPIPELINE, S3] : [CODEPIPELINE]) {
    if (!hasEndpoint(vpc, destination)) {
      Annotations.of(owner).addWarningV2(`cdk-lambda-invoke-step:unreachable${destination.service}`,
        `The function runs in subnets with no route to ${destination.service} (${withoutEgress.map(subnet => subnet.node.path).join(', ')}: no NAT, `
        + `and VPC ${vpc.node.path} has no endpoint for ${destination.service.toLowerCase()}): ${destination.consequence}. `
        + `Give those subnets a NAT (SubnetType.PRIVATE_WITH_EGRESS), or add ${destination.endpoint}.`);
    }
  }
}

/** A default route out through something other than an internet gateway (a Lambda function's network interface has no public address). */
function hasEgressRoute(subnet: ec2.Subnet): boolean {
  return subnet.node.children.some(child => child instanceof ec2.CfnRoute
    && (child.destinationCidrBlock === '0.0.0.0/0' || child.destinationIpv6CidrBlock === '::/0')
    && !!(child.natGatewayId ?? child.transitGatewayId ?? child.instanceId ?? child.networkInterfaceId ?? child.vpcPeeringConnectionId));
}

function hasEndpoint(vpc: ec2.Vpc, destination: Destination): boolean {
  return vpc.node.root.node.findAll().some(construct => construct instanceof ec2.CfnVPCEndpoint
    && construct.vpcId === vpc.vpcId
    && destination.endpointService.test(JSON.stringify(Stack.of(construct).resolve(construct.serviceName))));
}
