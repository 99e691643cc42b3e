/**
 * Security invariant: the REST API is PRIVATE, its resource policy denies any call not from
 * the bridge's VPC endpoint (and any principal that is not a configured agent or approver),
 * every method uses AWS_IAM, request bodies are validated, access logs go to an encrypted log
 * group, a WAF web ACL is attached, throttling and tracing are set.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { BridgeStack } from '../../lib/bridge-stack';
import { DEFAULTS } from '../../lib/config';
import { API_ROUTES, MAX_BODY_BYTES } from '../../lambda/core/constants';
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

  test('the resource policy denies principals that are not configured agents or approvers and allows each caller only its routes', () => {
    // Prepare
    const agentRole = stack.resolve(stack.agentApi.agentRoles.support.roleArn);
    const approver = 'arn:aws:iam::123456789012:role/SupportLead';
    const routes = (caller: string) => API_ROUTES.filter((r) => r.caller === caller).map((r) => `execute-api:/live/${r.method}${r.path.replace(/\{[^}]+\}/g, '*')}`);

    // Act
    const deny = statement('DenyPrincipalsNotConfigured');
    const allow = (api.Properties.Policy.Statement as CfnJson[]).filter((s) => s.Effect === 'Allow');

    // Assess
    expect(deny).toMatchObject({ Effect: 'Deny', Resource: 'execute-api:/*' });
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([agentRole, approver]);
    expect(allow.map((s) => [s.Resource, s.Condition])).toEqual([
      [routes('agent'), { ArnLike: { 'aws:PrincipalArn': [agentRole] } }],
      [routes('approver'), { ArnLike: { 'aws:PrincipalArn': [approver] } }],
    ]);
  });

  /** Methods with the path of their resource, rebuilt from the resource tree. */
  function methodsByRoute(): Record<string, CfnJson> {
    const paths = Object.fromEntries(ofType('AWS::ApiGateway::Resource').map(([rid, r]) => [rid, r.Properties]));
    const pathOf = (ref: CfnJson): string => (ref.Ref && paths[ref.Ref] ? `${pathOf(paths[ref.Ref].ParentId)}/${paths[ref.Ref].PathPart}` : '');
    return Object.fromEntries(ofType('AWS::ApiGateway::Method').map(([, r]) => [`${r.Properties.HttpMethod} ${pathOf(r.Properties.ResourceId)}`, r.Properties]));
  }

  test('every route of API_ROUTES has a method, each with AWS_IAM authorization', () => {
    // Prepare / Act
    const methods = methodsByRoute();

    // Assess
    expect(Object.keys(methods).sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const m of Object.values(methods)) expect(m.AuthorizationType).toBe('AWS_IAM');
  });

  test('every POST body is validated against a closed model and path parameters are required', () => {
    // Prepare
    const methods = methodsByRoute();
    const [validator] = ofType('AWS::ApiGateway::RequestValidator');
    const models = Object.fromEntries(ofType('AWS::ApiGateway::Model'));

    // Act
    const posts = Object.values(methods).filter((m) => m.HttpMethod === 'POST');
    const withId = Object.entries(methods).filter(([route]) => route.includes('{id}')).map(([, m]) => m);

    // Assess
    expect(validator[1].Properties).toMatchObject({ ValidateRequestBody: true, ValidateRequestParameters: true });
    expect(posts).toHaveLength(API_ROUTES.filter((r) => r.method === 'POST').length);
    for (const post of posts) {
      expect(post.RequestValidatorId).toEqual({ Ref: validator[0] });
      const schema = models[post.RequestModels['application/json'].Ref].Properties.Schema;
      expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(schema.required.length).toBeGreaterThan(0);
    }
    const query = Object.values(models).find((m) => m.Properties.Name === 'QueryRequest');
    expect(query?.Properties.Schema).toMatchObject({ required: ['object', 'fields', 'purpose'], additionalProperties: false });
    expect(withId.length).toBeGreaterThan(0);
    for (const m of withId) expect(m.RequestParameters).toEqual({ 'method.request.path.id': true });
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

  test('the web ACL blocks exactly the bodies the handlers refuse: larger than MAX_BODY_BYTES, inspected up to that size', () => {
    // Prepare
    const [, acl] = ofType('AWS::WAFv2::WebACL')[0];
    const rules = acl.Properties.Rules as CfnJson[];

    // Act
    const sizeRule = rules.find((r) => r.Statement.SizeConstraintStatement);
    const common = rules.find((r) => r.Statement.ManagedRuleGroupStatement?.Name === 'AWSManagedRulesCommonRuleSet');

    // Assess
    expect(sizeRule).toMatchObject({
      Action: { Block: {} },
      Statement: { SizeConstraintStatement: { ComparisonOperator: 'GT', Size: MAX_BODY_BYTES, FieldToMatch: { Body: { OversizeHandling: 'MATCH' } } } },
    });
    expect(common.Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
    expect(acl.Properties.AssociationConfig.RequestBody.API_GATEWAY.DefaultSizeInspectionLimit).toBe('KB_64');
    expect(MAX_BODY_BYTES).toBe(64 * 1024); // KB_64 covers exactly this
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
