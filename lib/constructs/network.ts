import { Aws, Fn, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as nfw from 'aws-cdk-lib/aws-networkfirewall';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ConnectivityConfig, DEFAULTS } from '../config';
import { BridgeKeys } from './keys';

/** Interface endpoints for every AWS API the bridge's functions call. */
export const BRIDGE_INTERFACE_ENDPOINTS: Readonly<Record<string, ec2.InterfaceVpcEndpointAwsService>> = {
  ExecuteApi: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
  StepFunctions: ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS,
  Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  Sts: ec2.InterfaceVpcEndpointAwsService.STS,
  Ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
  Sns: ec2.InterfaceVpcEndpointAwsService.SNS,
  Monitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
  XRay: ec2.InterfaceVpcEndpointAwsService.XRAY,
};

/** Services whose every resource the bridge calls lives in this account. */
const OWN_RESOURCES_ONLY = new Set(['SecretsManager', 'Kms', 'StepFunctions', 'Sns']);

/** Stateful rule capacity is fixed at creation; this leaves room for far more domains than a CRM needs. */
const ALLOWLIST_CAPACITY = 1000;
const HTTPS = ec2.Port.tcp(443);
const LOOKUP_MEMORY_MB = 256;
/** The fixed construct id of the singleton function behind every AwsCustomResource. */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

export interface BridgeNetworkProps {
  /** Keys of the bridge; the logs key encrypts flow and firewall logs. */
  readonly keys: BridgeKeys;
  /**
   * IPv4 CIDR of the VPC.
   * @default DEFAULTS.network.cidr (10.40.0.0/16)
   */
  readonly cidr?: string;
  /**
   * Availability zones to span; at least 2.
   * @default DEFAULTS.network.maxAzs (2)
   */
  readonly maxAzs?: number;
  /**
   * Retention of flow and firewall logs.
   * @default DEFAULTS.logs.retentionDays (365)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * How the connector reaches the CRM. `allowlistedEgress` requires `acceptPublicEgressRisk: true`.
   * @default { mode: 'none' } — no path to the CRM at all
   */
  readonly crmConnectivity?: ConnectivityConfig;
  /**
   * Accounts whose principals may call API Gateway through the execute-api endpoint (agents may
   * live in other accounts). This account is always included.
   * @default - this account only
   */
  readonly apiCallerAccounts?: readonly string[];
}

/**
 * The bridge's VPC: isolated subnets only, no internet gateway, NAT or default route; AWS
 * APIs through VPC endpoints whose policies admit only this account's principals. With the
 * explicit egress opt-in, workload subnets route 0.0.0.0/0 to an AWS Network Firewall
 * endpoint that passes only TLS SNI / HTTP Host values on the CRM allowlist, then to NAT.
 */
export class BridgeNetwork extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly vpcCidr: string;
  /** The subnets functions and endpoints live in. */
  public readonly workloadSubnets: ec2.SubnetSelection;
  public readonly flowLogGroup: logs.LogGroup;
  public readonly flowLog: ec2.FlowLog;
  /** Guards every interface endpoint: HTTPS from inside the VPC only. */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  public readonly interfaceEndpoints: Readonly<Record<string, ec2.InterfaceVpcEndpoint>>;
  public readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  public readonly dynamoDbEndpoint: ec2.GatewayVpcEndpoint;
  /** Managed prefix lists of the gateway endpoints, for security group egress rules. */
  public readonly s3PrefixList: ec2.IPeer;
  public readonly dynamoDbPrefixList: ec2.IPeer;
  /** The PrivateLink endpoint to the CRM, when connectivity is `privateLink`. */
  public readonly crmEndpoint?: ec2.InterfaceVpcEndpoint;
  /** Guards the CRM endpoint: only functions built with `reachCrm` are admitted. */
  public readonly crmEndpointSecurityGroup?: ec2.SecurityGroup;
  /** The egress firewalls (one per AZ, so each AZ's route targets a known endpoint), when opted in. */
  public readonly firewalls: readonly nfw.CfnFirewall[];
  public readonly firewallPolicy?: nfw.CfnFirewallPolicy;
  public readonly crmAllowlist?: nfw.CfnRuleGroup;
  public readonly firewallLogGroup?: logs.LogGroup;
  public readonly crmConnectivity: ConnectivityConfig;

  private readonly s3BucketArns: string[] = [];

  constructor(scope: Construct, id: string, props: BridgeNetworkProps) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? DEFAULTS.network.maxAzs;
    if (maxAzs < 2) {
      throw new Error(`BridgeNetwork: maxAzs is ${maxAzs}; the bridge needs at least 2 availability zones`);
    }
    const connectivity = props.crmConnectivity ?? { mode: 'none' };
    if (connectivity.mode === 'allowlistedEgress' && connectivity.acceptPublicEgressRisk !== true) {
      throw new Error(
        'BridgeNetwork: allowlistedEgress adds an internet gateway and NAT behind AWS Network Firewall; pass acceptPublicEgressRisk: true to accept that risk',
      );
    }
    this.crmConnectivity = connectivity;
    const egress = connectivity.mode === 'allowlistedEgress';
    const retention = props.logRetention ?? DEFAULTS.logs.retentionDays;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? DEFAULTS.network.cidr),
      maxAzs,
      natGateways: 0,
      createInternetGateway: egress,
      restrictDefaultSecurityGroup: true,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      subnetConfiguration: [
        { name: 'Workload', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        ...(egress
          ? [
              { name: 'Firewall', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 28 },
              { name: 'Egress', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 28, mapPublicIpOnLaunch: false },
            ]
          : []),
      ],
    });
    this.workloadSubnets = { subnetGroupName: 'Workload' };

    this.flowLogGroup = this.encryptedLogGroup('FlowLogs', props.keys, retention);
    const { role: flowLogRole } = this.roleWithManagedPolicy('FlowLogRole', 'vpc-flow-logs.amazonaws.com', [
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [this.flowLogGroup.logGroupArn],
      }),
    ]);
    this.flowLog = this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, flowLogRole),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSg', {
      vpc: this.vpc,
      description: 'VPC interface endpoints: HTTPS from inside the bridge VPC only',
      allowAllOutbound: false,
    });
    // The literal CIDR (not the VPC's token) lets cdk-nag evaluate the rule.
    this.vpcCidr = props.cidr ?? DEFAULTS.network.cidr;
    this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(this.vpcCidr), HTTPS, 'HTTPS from the bridge VPC');

    const ownAccount = { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } };
    const endpoints: Record<string, ec2.InterfaceVpcEndpoint> = {};
    for (const [name, service] of Object.entries(BRIDGE_INTERFACE_ENDPOINTS)) {
      const endpoint = this.interfaceEndpoint(name, service);
      if (name === 'ExecuteApi') {
        endpoint.addToPolicy(
          new iam.PolicyStatement({
            sid: 'InvokeBridgeApisFromKnownAccounts',
            principals: [new iam.AnyPrincipal()],
            actions: ['execute-api:Invoke'],
            resources: [`arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:*`],
            conditions: {
              StringEquals: { 'aws:PrincipalAccount': [Aws.ACCOUNT_ID, ...(props.apiCallerAccounts ?? [])] },
            },
          }),
        );
      } else {
        endpoint.addToPolicy(
          new iam.PolicyStatement({
            sid: 'ThisAccountOnly',
            principals: [new iam.AnyPrincipal()],
            actions: ['*'],
            resources: ['*'],
            conditions: OWN_RESOURCES_ONLY.has(name)
              ? { StringEquals: { ...ownAccount.StringEquals, 'aws:ResourceAccount': Aws.ACCOUNT_ID } }
              : ownAccount,
          }),
        );
      }
      endpoints[name] = endpoint;
    }
    this.interfaceEndpoints = endpoints;

    this.dynamoDbEndpoint = this.vpc.addGatewayEndpoint('DynamoDb', {
      service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [this.workloadSubnets],
    });
    this.dynamoDbEndpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ThisAccountsTablesOnly',
        principals: [new iam.AnyPrincipal()],
        actions: ['dynamodb:*'],
        resources: [`arn:${Aws.PARTITION}:dynamodb:${Aws.REGION}:${Aws.ACCOUNT_ID}:table/*`],
        conditions: ownAccount,
      }),
    );
    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [this.workloadSubnets],
    });
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'BridgeBucketsOnly',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:*'],
        resources: Lazy.list({ produce: () => this.s3BucketArns.flatMap((arn) => [arn, `${arn}/*`]) }),
        conditions: ownAccount,
      }),
    );
    this.node.addValidation({
      validate: () =>
        this.s3BucketArns.length === 0
          ? ['BridgeNetwork: no bucket was registered with allowS3Bucket(); the S3 endpoint policy would admit no bucket']
          : [],
    });

    const prefixLists = this.gatewayPrefixLists(props.keys, retention);
    this.s3PrefixList = prefixLists.s3;
    this.dynamoDbPrefixList = prefixLists.dynamodb;

    if (connectivity.mode === 'privateLink') {
      this.crmEndpointSecurityGroup = new ec2.SecurityGroup(this, 'CrmEndpointSg', {
        vpc: this.vpc,
        description: 'CRM PrivateLink endpoint: HTTPS from the connector functions only',
        allowAllOutbound: false,
      });
      this.crmEndpoint = this.vpc.addInterfaceEndpoint('Crm', {
        service: new ec2.InterfaceVpcEndpointService(connectivity.serviceName, 443),
        subnets: this.workloadSubnets,
        securityGroups: [this.crmEndpointSecurityGroup],
        open: false,
        privateDnsEnabled: connectivity.privateDnsEnabled,
      });
    }

    this.firewalls = [];
    if (connectivity.mode === 'allowlistedEgress') {
      const built = this.egressThroughFirewall(connectivity.domains, props.keys, retention);
      this.firewalls = built.firewalls;
      this.firewallPolicy = built.policy;
      this.crmAllowlist = built.allowlist;
      this.firewallLogGroup = built.logGroup;
    }
  }

  /** Admits a bucket through the S3 gateway endpoint; no other bucket is reachable from the VPC. */
  public allowS3Bucket(bucket: s3.IBucket): void {
    this.s3BucketArns.push(bucket.bucketArn);
  }

  private encryptedLogGroup(id: string, keys: BridgeKeys, retention: logs.RetentionDays): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      encryptionKey: keys.logs,
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * A role whose permissions sit in a customer-managed policy: CDK's grants would add inline
   * policies, so the role handed to CDK refuses policy updates.
   */
  private roleWithManagedPolicy(
    id: string,
    service: string,
    statements: iam.PolicyStatement[],
  ): { role: iam.IRole; policy: iam.ManagedPolicy } {
    const role = new iam.Role(this, id, { assumedBy: new iam.ServicePrincipal(service) });
    const policy = new iam.ManagedPolicy(this, `${id}Policy`, { statements });
    role.addManagedPolicy(policy);
    return { role: role.withoutPolicyUpdates(), policy };
  }

  private interfaceEndpoint(id: string, service: ec2.IInterfaceVpcEndpointService): ec2.InterfaceVpcEndpoint {
    return this.vpc.addInterfaceEndpoint(id, {
      service,
      subnets: this.workloadSubnets,
      securityGroups: [this.endpointSecurityGroup],
      open: false,
      privateDnsEnabled: true,
    });
  }

  /**
   * CloudFormation exposes no id for the AWS-managed S3 and DynamoDB prefix lists, and a
   * context lookup would break offline synth; a deploy-time read resolves them.
   */
  private gatewayPrefixLists(keys: BridgeKeys, retention: logs.RetentionDays): { s3: ec2.IPeer; dynamodb: ec2.IPeer } {
    const logGroup = this.encryptedLogGroup('PrefixListLookupLogs', keys, retention);
    const { role, policy } = this.roleWithManagedPolicy('PrefixListLookupRole', 'lambda.amazonaws.com', [
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }),
    ]);
    const lookup = (service: 's3' | 'dynamodb'): ec2.IPeer => {
      const call: cr.AwsSdkCall = {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: { Filters: [{ Name: 'prefix-list-name', Values: [`com.amazonaws.${Aws.REGION}.${service}`] }] },
        physicalResourceId: cr.PhysicalResourceId.of(`${service}-prefix-list`),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      };
      const resource = new cr.AwsCustomResource(this, `${service === 's3' ? 'S3' : 'DynamoDb'}PrefixList`, {
        onCreate: call,
        onUpdate: call,
        installLatestAwsSdk: false,
        logGroup,
        role,
        memorySize: LOOKUP_MEMORY_MB,
      });
      return ec2.Peer.prefixList(resource.getResponseField('PrefixLists.0.PrefixListId'));
    };
    const peers = { s3: lookup('s3'), dynamodb: lookup('dynamodb') };
    // CDK places the provider function of every AwsCustomResource at the stack root.
    const provider = Stack.of(this).node.findChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
    const reason =
      'Deploy-time custom resource provider invoked only by CloudFormation to read a public prefix-list id; it must reach the EC2 API, which the isolated VPC does not expose.';
    Validations.of(provider).acknowledge(
      ...[
        'NIST.800.53.R5-LambdaInsideVPC',
        'HIPAA.Security-LambdaInsideVPC',
        'PCI.DSS.321-LambdaInsideVPC',
        'NIST.800.53.R5-LambdaConcurrency',
        'HIPAA.Security-LambdaConcurrency',
        'NIST.800.53.R5-LambdaDLQ',
        'HIPAA.Security-LambdaDLQ',
        'Serverless-LambdaDLQ',
        'Serverless-LambdaTracing',
      ].map((id) => ({ id, reason })),
    );
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeManagedPrefixLists supports no resource-level permissions; the call is read-only.',
    });
    return peers;
  }

  private egressThroughFirewall(
    domains: readonly string[],
    keys: BridgeKeys,
    retention: logs.RetentionDays,
  ): { firewalls: nfw.CfnFirewall[]; policy: nfw.CfnFirewallPolicy; allowlist: nfw.CfnRuleGroup; logGroup: logs.LogGroup } {
    const stackName = Stack.of(this).stackName;
    const allowlist = new nfw.CfnRuleGroup(this, 'CrmAllowlist', {
      ruleGroupName: `${stackName}-crm-allowlist`,
      type: 'STATEFUL',
      capacity: ALLOWLIST_CAPACITY,
      description: 'The CRM hostnames the connector may reach; everything else is dropped',
      ruleGroup: {
        statefulRuleOptions: { ruleOrder: 'STRICT_ORDER' },
        rulesSource: {
          rulesSourceList: {
            generatedRulesType: 'ALLOWLIST',
            targetTypes: ['TLS_SNI', 'HTTP_HOST'],
            // Network Firewall spells "any subdomain of" as a leading dot.
            targets: domains.map((d) => (d.startsWith('*.') ? d.slice(1) : d)),
          },
        },
      },
    });
    const policy = new nfw.CfnFirewallPolicy(this, 'FirewallPolicy', {
      firewallPolicyName: `${stackName}-egress`,
      firewallPolicy: {
        statelessDefaultActions: ['aws:forward_to_sfe'],
        statelessFragmentDefaultActions: ['aws:forward_to_sfe'],
        statefulEngineOptions: { ruleOrder: 'STRICT_ORDER' },
        statefulDefaultActions: ['aws:drop_established', 'aws:alert_established'],
        statefulRuleGroupReferences: [{ resourceArn: allowlist.attrRuleGroupArn, priority: 1 }],
      },
    });
    const logGroup = this.encryptedLogGroup('FirewallLogs', keys, retention);

    const workload = this.vpc.selectSubnets(this.workloadSubnets).subnets;
    const firewallSubnets = this.vpc.selectSubnets({ subnetGroupName: 'Firewall' }).subnets;
    const publicSubnets = this.vpc.selectSubnets({ subnetGroupName: 'Egress' }).subnets as ec2.PublicSubnet[];
    const firewalls = publicSubnets.map((publicSubnet, i) => {
      const az = publicSubnet.availabilityZone;
      const fwSubnet = firewallSubnets.find((s) => s.availabilityZone === az)!;
      const nat = publicSubnet.addNatGateway();
      Validations.of(publicSubnet).acknowledge(
        ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({
          id: `${pack}-VPCNoUnrestrictedRouteToIGW`,
          reason:
            'Egress opt-in (acceptPublicEgressRisk): only the NAT gateway lives here, and workload traffic reaches it only through the Network Firewall domain allowlist.',
        })),
      );
      const firewall = new nfw.CfnFirewall(this, `Firewall${i + 1}`, {
        firewallName: `${stackName}-egress-${i + 1}`,
        firewallPolicyArn: policy.attrFirewallPolicyArn,
        vpcId: this.vpc.vpcId,
        subnetMappings: [{ subnetId: fwSubnet.subnetId }],
        deleteProtection: false,
      });
      new nfw.CfnLoggingConfiguration(this, `Firewall${i + 1}Logging`, {
        firewallArn: firewall.attrFirewallArn,
        loggingConfiguration: {
          logDestinationConfigs: [
            { logType: 'ALERT', logDestinationType: 'CloudWatchLogs', logDestination: { logGroup: logGroup.logGroupName } },
          ],
        },
      });
      // A firewall with one subnet mapping has exactly one endpoint: "az:vpce-id".
      const endpointId = Fn.select(1, Fn.split(':', Fn.select(0, firewall.attrEndpointIds)));
      new ec2.CfnRoute(this, `FirewallToNat${i + 1}`, {
        routeTableId: fwSubnet.routeTable.routeTableId,
        destinationCidrBlock: '0.0.0.0/0',
        natGatewayId: nat.ref,
      });
      for (const subnet of workload.filter((s) => s.availabilityZone === az)) {
        new ec2.CfnRoute(this, `WorkloadToFirewall${i + 1}${subnet.node.id}`, {
          routeTableId: subnet.routeTable.routeTableId,
          destinationCidrBlock: '0.0.0.0/0',
          vpcEndpointId: endpointId,
        });
        // Return traffic from NAT passes the firewall too, keeping the flow symmetric.
        new ec2.CfnRoute(this, `ReturnViaFirewall${i + 1}${subnet.node.id}`, {
          routeTableId: publicSubnet.routeTable.routeTableId,
          destinationCidrBlock: subnet.ipv4CidrBlock,
          vpcEndpointId: endpointId,
        });
      }
      return firewall;
    });
    return { firewalls, policy, allowlist, logGroup };
  }
}
