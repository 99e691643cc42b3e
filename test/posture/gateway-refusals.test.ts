/**
 * Gateway refusals posture: every call API Gateway refuses itself reaches the audit bucket. The stage logs in the
 * format the auditor reads (and never the validation detail, which can quote rejected values); a subscription passes
 * the refused lines to a function that may only append audit events and whose failed batches land in a DLQ.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { BridgeStack } from '../../lib/bridge-stack';
import { ACCESS_LOG_FIELDS } from '../../lambda/core/constants';
import { DEFAULT_CONFIG, bridgeStack, configFrom, CfnJson } from '../lib/bridge-fixtures';

type Resource = { Type: string; Properties: CfnJson };
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe('posture: gateway refusals are audited', () => {
  let stack: BridgeStack;
  let resources: Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnJson);
  /** Every Allow statement attached to a role, whatever kind of policy carries it. */
  const statementsOf = (roleId: string): CfnJson[] => {
    const attached = asList<CfnJson>(resources[roleId].Properties.ManagedPolicyArns).map((a) => a.Ref).filter(Boolean);
    return [...ofType('AWS::IAM::ManagedPolicy'), ...ofType('AWS::IAM::Policy')]
      .filter(([pid, p]) => attached.includes(pid) || asList<CfnJson>(p.Properties.Roles).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as CfnJson[])
      .filter((s) => s.Effect === 'Allow');
  };
  beforeAll(() => {
    stack = bridgeStack(configFrom(DEFAULT_CONFIG));
    resources = Template.fromStack(stack).toJSON().Resources;
  });

  test('the stage writes the access log in the auditor format, without validation detail', () => {
    // Prepare
    const [, stage] = ofType('AWS::ApiGateway::Stage')[0];

    // Act
    const format = stage.Properties.AccessLogSetting.Format as string;

    // Assess
    expect(JSON.parse(format)).toEqual(ACCESS_LOG_FIELDS);
    expect(format).not.toContain('validationErrorString');
  });

  test('a subscription passes the lines with an error response type from the access log to the refusal function', () => {
    // Prepare
    const [, stage] = ofType('AWS::ApiGateway::Stage')[0];
    const accessLogGroup = stage.Properties.AccessLogSetting.DestinationArn['Fn::GetAtt'][0];

    // Act
    const filters = ofType('AWS::Logs::SubscriptionFilter').map(([, r]) => r.Properties);

    // Assess
    expect(filters).toHaveLength(1);
    expect(filters[0].LogGroupName).toEqual({ Ref: accessLogGroup });
    expect(filters[0].FilterPattern).toBe('{ $.responseType != "-" }');
    expect(filters[0].DestinationArn).toEqual({ 'Fn::GetAtt': [id(stack.gatewayRefusals.function), 'Arn'] });
  });

  test('the refusal function may only append audit events: no read, no delete, no other prefix, no decrypting audit objects', () => {
    // Prepare
    const role = id(stack.gatewayRefusals.function.functionRole);

    // Act
    const statements = statementsOf(role);
    const s3 = statements.filter((s) => asList<string>(s.Action).some((a) => a.startsWith('s3:')));
    const auditKey = JSON.stringify({ 'Fn::GetAtt': [id(stack.keys.audit), 'Arn'] });
    const onAuditKey = statements.filter((s) => asList<string>(s.Action).some((a) => a.startsWith('kms:')) && JSON.stringify(s.Resource) === auditKey);

    // Assess
    expect(s3).toHaveLength(1);
    expect(s3[0].Action).toBe('s3:PutObject');
    expect(JSON.stringify(s3[0].Resource)).toContain('/events/*');
    expect(onAuditKey.flatMap((s) => asList<string>(s.Action))).toEqual(['kms:GenerateDataKey']);
  });

  test('a batch the function cannot write is kept in its encrypted dead-letter queue', () => {
    // Prepare / Act
    const queue = stack.gatewayRefusals.function.deadLetterQueue;

    // Assess
    expect(queue).toBeDefined();
    expect(resources[id(queue!)].Properties.KmsMasterKeyId).toBeDefined();
  });
});
