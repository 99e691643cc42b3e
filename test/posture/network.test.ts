/**
 * Security invariant: no public egress. No internet gateway, NAT or route to 0.0.0.0/0 or ::/0
 * in the default configuration; with the egress opt-in, only through AWS Network Firewall with
 * a domain allowlist and default drop.
 */
import { Template, Match } from 'aws-cdk-lib/assertions';
import { BridgeStack } from '../../lib/bridge-stack';
import { BRIDGE_INTERFACE_ENDPOINTS } from '../../lib/constructs/network';
import { DEFAULT_CONFIG, EGRESS_CONFIG, bridgeStack, configFrom, CfnJson } from '../lib/bridge-fixtures';

type Resources = Record<string, { Type: string; Properties: Record<string, CfnJson> }>;

function ofType(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

describe('posture: network, default configuration (PrivateLink to the CRM)', () => {
  let template: Template;
  let stack: BridgeStack;
  beforeAll(() => {
    stack = bridgeStack(configFrom(DEFAULT_CONFIG));
    template = Template.fromStack(stack);
  });

  test('has no internet gateway, NAT gateway or egress-only internet gateway', () => {
    // Prepare / Act / Assess
    for (const type of ['AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::EgressOnlyInternetGateway', 'AWS::EC2::VPCGatewayAttachment']) {
      template.resourceCountIs(type, 0);
    }
  });

  test('has no route to 0.0.0.0/0 or ::/0', () => {
    // Prepare
    const routes = Object.values(ofType(template, 'AWS::EC2::Route'));

    // Act
    const defaultRoutes = routes.filter((r) => r.Properties.DestinationCidrBlock === '0.0.0.0/0' || r.Properties.DestinationIpv6CidrBlock === '::/0');

    // Assess
    expect(defaultRoutes).toEqual([]);
  });

  test('every subnet is isolated and never assigns public IPs', () => {
    // Prepare
    const subnets = Object.values(ofType(template, 'AWS::EC2::Subnet'));

    // Act / Assess
    expect(subnets.length).toBeGreaterThanOrEqual(2);
    for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    template.hasResourceProperties('AWS::EC2::Subnet', {
      Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Isolated' }]),
    });
    const types = subnets.map((s) => (s.Properties.Tags as { Key: string; Value: string }[]).find((t) => t.Key === 'aws-cdk:subnet-type')?.Value);
    expect(new Set(types)).toEqual(new Set(['Isolated']));
  });

  test('spans at least two availability zones', () => {
    // Prepare
    const azs = Object.values(ofType(template, 'AWS::EC2::Subnet')).map((s) => JSON.stringify(s.Properties.AvailabilityZone));

    // Act / Assess
    expect(new Set(azs).size).toBeGreaterThanOrEqual(2);
  });

  test('flow logs capture all traffic into a KMS-encrypted log group with retention', () => {
    // Prepare / Act / Assess
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    const flowLog = Object.values(ofType(template, 'AWS::EC2::FlowLog'))[0];
    const groupId = flowLog.Properties.LogGroupName.Ref as string;
    const group = ofType(template, 'AWS::Logs::LogGroup')[groupId];
    expect(group.Properties.KmsKeyId).toBeDefined();
    expect(group.Properties.RetentionInDays).toBe(stack.config.logs.retentionDays);
  });

  test('the default security group is restricted', () => {
    // Prepare / Act / Assess
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('S3 and DynamoDB are reached through gateway endpoints restricted to this account', () => {
    // Prepare
    const gateways = Object.values(ofType(template, 'AWS::EC2::VPCEndpoint')).filter((e) => e.Properties.VpcEndpointType === 'Gateway');

    // Act / Assess
    expect(gateways).toHaveLength(2);
    for (const endpoint of gateways) {
      const statements = endpoint.Properties.PolicyDocument.Statement as CfnJson[];
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements) expect(s.Condition.StringEquals['aws:PrincipalAccount']).toEqual({ Ref: 'AWS::AccountId' });
    }
  });

  test('the S3 gateway endpoint admits only the bridge buckets', () => {
    // Prepare
    const s3Endpoint = Object.values(ofType(template, 'AWS::EC2::VPCEndpoint')).find(
      (e) => e.Properties.VpcEndpointType === 'Gateway' && JSON.stringify(e.Properties.ServiceName).includes('.s3'),
    )!;

    // Act
    const resources = JSON.stringify(s3Endpoint.Properties.PolicyDocument.Statement.map((s: CfnJson) => s.Resource));

    // Assess
    expect(resources).toContain(stack.getLogicalId(stack.auditVault.bucket.node.defaultChild as CfnJson));
    expect(resources).not.toContain('"*"');
  });

  test('every interface endpoint has a policy limited to known accounts and HTTPS from inside the VPC', () => {
    // Prepare
    const interfaces = Object.values(ofType(template, 'AWS::EC2::VPCEndpoint')).filter((e) => e.Properties.VpcEndpointType === 'Interface');
    // Third-party endpoint services (the CRM) take no endpoint policy; every AWS one must carry one.
    const awsEndpoints = interfaces.filter((e) => e.Properties.PolicyDocument);

    // Act / Assess
    expect(awsEndpoints).toHaveLength(Object.keys(BRIDGE_INTERFACE_ENDPOINTS).length);
    for (const endpoint of awsEndpoints) {
      for (const s of endpoint.Properties.PolicyDocument.Statement) {
        expect(s.Effect).toBe('Allow');
        expect(s.Condition.StringEquals['aws:PrincipalAccount']).toBeDefined();
      }
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('interface endpoints'),
      SecurityGroupIngress: [Match.objectLike({ CidrIp: stack.config.network.cidr, FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })],
    });
  });

  test('the CRM is reached through a PrivateLink interface endpoint to the configured service', () => {
    // Prepare
    const connectivity = stack.config.connectivity;

    // Act / Assess
    expect(connectivity.mode).toBe('privateLink');
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: connectivity.mode === 'privateLink' ? connectivity.serviceName : '',
    });
    template.resourceCountIs('AWS::NetworkFirewall::Firewall', 0);
  });
});

describe('posture: network with the allowlisted-egress opt-in', () => {
  let template: Template;
  let stack: BridgeStack;
  beforeAll(() => {
    stack = bridgeStack(configFrom(EGRESS_CONFIG));
    template = Template.fromStack(stack);
  });

  test('every 0.0.0.0/0 route from a workload subnet targets a Network Firewall endpoint', () => {
    // Prepare
    const workloadTables = new Set(
      stack.network.vpc.selectSubnets(stack.network.workloadSubnets).subnets.map((s) => stack.resolve(s.routeTable.routeTableId).Ref as string),
    );
    const routes = Object.values(ofType(template, 'AWS::EC2::Route')).filter((r) => workloadTables.has(r.Properties.RouteTableId.Ref));

    // Act
    const defaults = routes.filter((r) => r.Properties.DestinationCidrBlock === '0.0.0.0/0');

    // Assess
    expect(defaults).toHaveLength(workloadTables.size);
    for (const route of defaults) {
      expect(Object.keys(route.Properties).sort()).toEqual(['DestinationCidrBlock', 'RouteTableId', 'VpcEndpointId']);
      expect(JSON.stringify(route.Properties.VpcEndpointId)).toMatch(/"NetworkFirewall\d+[0-9A-F]{8}","EndpointIds"/);
    }
  });

  test('only the NAT subnets route to the internet gateway, and the firewall subnets route only to NAT', () => {
    // Prepare
    const routes = Object.values(ofType(template, 'AWS::EC2::Route')).filter((r) => r.Properties.DestinationCidrBlock === '0.0.0.0/0');

    // Act
    const targets = routes.map((r) => Object.keys(r.Properties).find((k) => k !== 'DestinationCidrBlock' && k !== 'RouteTableId'));

    // Assess
    expect(targets.filter((t) => t === 'GatewayId')).toHaveLength(stack.config.network.maxAzs);
    expect(targets.filter((t) => t === 'NatGatewayId')).toHaveLength(stack.config.network.maxAzs);
    expect(targets.filter((t) => t === 'VpcEndpointId')).toHaveLength(stack.config.network.maxAzs);
  });

  test('the firewall allows only the configured CRM hostnames by TLS SNI and HTTP Host', () => {
    // Prepare
    const connectivity = stack.config.connectivity;
    const domains = connectivity.mode === 'allowlistedEgress' ? connectivity.domains : [];

    // Act / Assess
    template.hasResourceProperties('AWS::NetworkFirewall::RuleGroup', {
      Type: 'STATEFUL',
      RuleGroup: {
        StatefulRuleOptions: { RuleOrder: 'STRICT_ORDER' },
        RulesSource: {
          RulesSourceList: {
            GeneratedRulesType: 'ALLOWLIST',
            TargetTypes: ['TLS_SNI', 'HTTP_HOST'],
            Targets: domains.map((d) => (d.startsWith('*.') ? d.slice(1) : d)),
          },
        },
      },
    });
  });

  test('the firewall policy drops everything else (strict order, drop established)', () => {
    // Prepare / Act / Assess
    template.hasResourceProperties('AWS::NetworkFirewall::FirewallPolicy', {
      FirewallPolicy: Match.objectLike({
        StatelessDefaultActions: ['aws:forward_to_sfe'],
        StatefulEngineOptions: { RuleOrder: 'STRICT_ORDER' },
        StatefulDefaultActions: Match.arrayWith(['aws:drop_established']),
      }),
    });
    template.resourceCountIs('AWS::NetworkFirewall::Firewall', stack.config.network.maxAzs);
  });

  test('public subnets never assign public IPs on launch', () => {
    // Prepare / Act / Assess
    for (const subnet of Object.values(ofType(template, 'AWS::EC2::Subnet'))) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  });
});
