/**
 * Security invariant: the REST API is PRIVATE, its resource policy denies any call not from
 * the bridge's VPC endpoint (and any principal that is not a configured agent or approver),
 * every method uses AWS_IAM, request bodies are validated, access logs go to an encrypted log
 * group, a WAF web ACL is attached, throttling and tracing are set.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { BridgeStack } from '../../lib/bridge-stack';
import { DEFAULTS } from '../../lib/config';
import { DEFAULT_CONFIG, bridgeStack, configFrom, CfnJson } from '../lib/bridge-fixtures';

type Resource = { Type: string; Properties: Record<string, CfnJson> };

describe('posture: private agent API', () => {
  let stack: BridgeStack;
  let template: Template;
  let resources: Record<string, Resource>;
  let api: Resource;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  beforeAll(() => {
    stack = bridgeStack(configFrom(DEFAULT_CONFIG));
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources;
    api = resources[stack.getLogicalId(stack.agentApi.api.node.defaultChild as CfnJson)];
  });

  const statement = (sid: string) => (api.Properties.Policy.Statement as CfnJson[]).find((s) => s.Sid === sid);

  test('the REST API is PRIVATE and bound to the bridge execute-api VPC endpoint', () => {
    // Prepare
    const endpoint = stack.resolve(stack.network.interfaceEndpoints.ExecuteApi.vpcEndpointId);

    // Act
    const config = api.Properties.EndpointConfiguration;

    // Assess
    expect(ofType('AWS::ApiGateway::RestApi')).toHaveLength(1);
    expect(config).toEqual({ Types: ['PRIVATE'], VpcEndpointIds: [endpoint] });
  });

  test('the resource policy denies every call not made through the bridge VPC endpoint', () => {
    // Prepare
    const endpoint = stack.resolve(stack.network.interfaceEndpoints.ExecuteApi.vpcEndpointId);

    // Act
    const deny = statement('DenyCallsNotThroughTheBridgeEndpoint');

    // Assess
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/*' });
    expect(deny.Condition).toEqual({ StringNotEquals: { 'aws:SourceVpce': endpoint } });
  });

  test('the resource policy denies principals that are not configured agents or approvers and allows agents only the agent routes', () => {
    // Prepare
    const agentRole = stack.resolve(stack.agentApi.agentRoles.support.roleArn);
    const approver = 'arn:aws:iam::123456789012:role/SupportLead';

    // Act
    const deny = statement('DenyPrincipalsNotConfigured');
    const allow = (api.Properties.Policy.Statement as CfnJson[]).filter((s) => s.Effect === 'Allow');

    // Assess
    expect(deny).toMatchObject({ Effect: 'Deny', Resource: 'execute-api:/*' });
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([agentRole, approver]);
    expect(allow).toHaveLength(1);
    expect(allow[0].Resource).toEqual(['execute-api:/live/POST/v1/records/query', 'execute-api:/live/GET/v1/requests/*']);
    expect(allow[0].Condition).toEqual({ ArnLike: { 'aws:PrincipalArn': [agentRole] } });
  });

  test('every method uses AWS_IAM authorization', () => {
    // Prepare / Act
    const methods = ofType('AWS::ApiGateway::Method').map(([, r]) => r.Properties);

    // Assess
    expect(methods.map((m) => `${m.HttpMethod}`).sort()).toEqual(['GET', 'POST']);
    for (const m of methods) expect(m.AuthorizationType).toBe('AWS_IAM');
  });

  test('the POST body is validated against the query model and path parameters are required', () => {
    // Prepare
    const methods = ofType('AWS::ApiGateway::Method').map(([, r]) => r.Properties);
    const [validator] = ofType('AWS::ApiGateway::RequestValidator');
    const [modelId, model] = ofType('AWS::ApiGateway::Model')[0];

    // Act
    const post = methods.find((m) => m.HttpMethod === 'POST');
    const get = methods.find((m) => m.HttpMethod === 'GET');

    // Assess
    expect(validator[1].Properties).toMatchObject({ ValidateRequestBody: true, ValidateRequestParameters: true });
    expect(post?.RequestValidatorId).toEqual({ Ref: validator[0] });
    expect(post?.RequestModels).toEqual({ 'application/json': { Ref: modelId } });
    expect(model.Properties.Schema).toMatchObject({ required: ['object', 'fields', 'purpose'], additionalProperties: false });
    expect(get?.RequestParameters).toEqual({ 'method.request.path.id': true });
  });

  test('access logs go to a KMS-encrypted log group with retention; tracing and stage throttling are on', () => {
    // Prepare
    const [, stage] = ofType('AWS::ApiGateway::Stage')[0];

    // Act
    const group = resources[stage.Properties.AccessLogSetting.DestinationArn['Fn::GetAtt'][0]];

    // Assess
    expect(JSON.stringify(group.Properties.KmsKeyId)).toContain('KeysLogs');
    expect(group.Properties.RetentionInDays).toBe(DEFAULTS.logs.retentionDays);
    expect(JSON.parse(stage.Properties.AccessLogSetting.Format)).toHaveProperty('requestId');
    expect(stage.Properties.TracingEnabled).toBe(true);
    expect(stage.Properties.MethodSettings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: DEFAULTS.api.throttleRateLimit,
        ThrottlingBurstLimit: DEFAULTS.api.throttleBurstLimit,
      }),
    );
  });

  test('a WAF web ACL with the AWS managed rule groups and a rate-based rule is attached to the stage', () => {
    // Prepare
    const [aclId, acl] = ofType('AWS::WAFv2::WebACL')[0];
    const [stageId] = ofType('AWS::ApiGateway::Stage')[0];

    // Act
    const association = ofType('AWS::WAFv2::WebACLAssociation').map(([, r]) => r.Properties)[0];
    const rules = acl.Properties.Rules as CfnJson[];

    // Assess
    expect(acl.Properties.Scope).toBe('REGIONAL');
    expect(association.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(JSON.stringify(association.ResourceArn)).toContain(stageId);
    expect(rules.map((r) => r.Statement.ManagedRuleGroupStatement?.Name).filter(Boolean)).toEqual([
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
    ]);
    expect(rules.find((r) => r.Statement.RateBasedStatement)).toMatchObject({
      Action: { Block: {} },
      Statement: { RateBasedStatement: { Limit: DEFAULTS.api.wafRateLimit, AggregateKeyType: 'IP' } },
    });
  });

  test('WAF logs go to an encrypted log group with SigV4 credentials redacted', () => {
    // Prepare
    const [, logging] = ofType('AWS::WAFv2::LoggingConfiguration')[0];
    const group = resources[stack.getLogicalId(stack.agentApi.wafLogGroup.node.defaultChild as CfnJson)];

    // Act
    const redacted = (logging.Properties.RedactedFields as CfnJson[]).map((f) => f.SingleHeader.Name);

    // Assess
    expect(group.Properties.LogGroupName).toMatch(/^aws-waf-logs-/);
    expect(JSON.stringify(group.Properties.KmsKeyId)).toContain('KeysLogs');
    expect(redacted).toEqual(['authorization', 'x-amz-security-token']);
  });
});
