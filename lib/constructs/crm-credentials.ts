import { Aws, Duration, Lazy, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BridgeConfig } from '../config';
import { BridgeKeys } from './keys';

export interface CrmCredentialsProps {
  /** Keys of the bridge; the secrets key encrypts every secret. */
  readonly keys: BridgeKeys;
  /** The CRM, to pre-fill the token and instance URLs of the placeholder credentials. */
  readonly crm: Pick<BridgeConfig['crm'], 'kind' | 'instanceHost'>;
  /**
   * Length of the generated deployment HMAC key (characters); the runtime needs at least 32.
   * @default 64
   */
  readonly hmacKeyLength?: number;
}

/** The HMAC key must keep at least 256 bits for the `hash` redaction action. */
const MIN_HMAC_KEY_LENGTH = 32;
const DEFAULT_HMAC_KEY_LENGTH = 64;
/** What operators replace after the first deploy (see the README, Deploy). */
const PLACEHOLDER = 'REPLACE_WITH_THE_INTEGRATION_USER_CLIENT_ID';

const TOKEN_PATH: Record<BridgeConfig['crm']['kind'], (host: string) => string> = {
  salesforce: (host) => `https://${host}/services/oauth2/token`,
  hubspot: () => 'https://api.hubapi.com/oauth/v1/token',
};

/**
 * A secret whose value only the listed roles may read: its resource policy denies
 * `secretsmanager:GetSecretValue` to every principal whose `aws:PrincipalArn` is not on the list.
 * The account root user is always on it: it can rewrite the policy anyway, so the exemption
 * grants nothing new and keeps a break-glass reader. Only the read is denied, so the
 * CloudFormation deploy role, operators putting values (`PutSecretValue`) and administrators
 * changing the policy are never locked out; no template may resolve these secrets
 * (`{{resolve:secretsmanager:…}}`), because the deploy role cannot read them.
 */
class GuardedSecret extends secretsmanager.Secret {
  private readonly readers: string[] = [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`];

  constructor(scope: Construct, id: string, props: secretsmanager.SecretProps) {
    super(scope, id, { ...props, removalPolicy: RemovalPolicy.RETAIN });
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyConnectorAndRotationRolesReadTheValue',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: {
          ArnNotLike: {
            'aws:PrincipalArn': Lazy.list({ produce: () => this.readers }),
          },
        },
      }),
    );
  }

  /**
   * Reads the value: an exception in the resource policy's deny plus IAM statements on the
   * role. The KMS grant stays in the role's policy (kms:ViaService), never in the key policy,
   * so the key does not depend on the role that depends on the secret.
   */
  public grantValue(role: iam.IRole, ...extraActions: string[]): void {
    this.readers.push(role.roleArn);
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', ...extraActions],
      resourceArns: [this.secretArn],
    });
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: extraActions.length > 0 ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
      resourceArns: [this.encryptionKey!.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
    });
  }

  /** The principals exempt from the deny (the account root first), for posture checks. */
  public get readerArns(): readonly string[] {
    return this.readers;
  }
}

/**
 * The CRM credentials (one secret for the read integration user, one for the write
 * integration user) and the deployment HMAC key, all encrypted with the secrets CMK.
 * The CRM secrets are created with placeholder JSON `{clientId, clientSecret, tokenUrl,
 * instanceUrl}` so they exist at deploy; operators put the real values afterwards.
 * Nobody reads a value without being granted here: the read secret by the proxy
 * (`grantReadUser`), the write secret by the future executor (`grantWriteUser`), the HMAC
 * key by the proxy (`grantHmacKey`), both CRM secrets by the rotation function (`addRotation`).
 */
export class CrmCredentials extends Construct {
  public readonly readUser: secretsmanager.Secret;
  public readonly writeUser: secretsmanager.Secret;
  public readonly hmacKey: secretsmanager.Secret;
  /** Salesforce only: the credentials administrator that stages and deletes the integration users' consumers during rotation. */
  public readonly rotationAdmin?: secretsmanager.Secret;
  private readonly guarded: { read: GuardedSecret; write: GuardedSecret; hmac: GuardedSecret; admin?: GuardedSecret };

  constructor(scope: Construct, id: string, props: CrmCredentialsProps) {
    super(scope, id);
    const hmacKeyLength = props.hmacKeyLength ?? DEFAULT_HMAC_KEY_LENGTH;
    if (!Number.isInteger(hmacKeyLength) || hmacKeyLength < MIN_HMAC_KEY_LENGTH) {
      throw new Error(`CrmCredentials: hmacKeyLength is ${hmacKeyLength}; the HMAC key needs at least ${MIN_HMAC_KEY_LENGTH} characters`);
    }
    const template = JSON.stringify({
      clientId: PLACEHOLDER,
      tokenUrl: TOKEN_PATH[props.crm.kind](props.crm.instanceHost),
      instanceUrl: `https://${props.crm.instanceHost}`,
    });
    const crmSecret = (name: string, who: string) =>
      new GuardedSecret(this, name, {
        description: `crm-agent-bridge: OAuth credentials of the CRM ${who} integration user (put the real values after deploy)`,
        encryptionKey: props.keys.secrets,
        generateSecretString: { secretStringTemplate: template, generateStringKey: 'clientSecret', passwordLength: 48, excludePunctuation: true },
      });
    const read = crmSecret('ReadUser', 'read-only');
    const write = crmSecret('WriteUser', 'restricted write');
    const hmac = new GuardedSecret(this, 'HmacKey', {
      description: 'crm-agent-bridge: deployment HMAC key for the hash redaction action',
      encryptionKey: props.keys.secrets,
      generateSecretString: { passwordLength: hmacKeyLength, excludePunctuation: true, includeSpace: false },
    });
    const admin = props.crm.kind === 'salesforce' ? crmSecret('RotationAdmin', 'credentials administrator (rotation only, no record access)') : undefined;
    this.guarded = { read, write, hmac, admin };
    this.readUser = read;
    this.writeUser = write;
    this.hmacKey = hmac;
    this.rotationAdmin = admin;

    const rotationRules = ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled', 'HIPAA.Security-SecretsManagerRotationEnabled'];
    for (const secret of [read, write]) {
      Validations.of(secret).acknowledge(
        ...rotationRules.map((rule) => ({
          id: rule,
          reason: 'Rotation is attached with CrmCredentials.addRotation(fn) by the CRM rotation function; until then the operator-put credentials rotate with the CRM.',
        })),
      );
    }
    Validations.of(hmac).acknowledge(
      ...rotationRules.map((rule) => ({
        id: rule,
        reason: 'The hash redaction action needs stable keyed hashes across requests; rotating the HMAC key would unlink every earlier hash.',
      })),
    );
    if (admin) {
      Validations.of(admin).acknowledge(
        ...rotationRules.map((rule) => ({
          id: rule,
          reason: 'The credentials administrator stages the integration users\' consumers; it cannot stage its own, so operators rotate it in Salesforce and put the new value.',
        })),
      );
    }
  }

  /** The connector role that queries the CRM as the read-only integration user. */
  public grantReadUser(role: iam.IRole): void {
    this.guarded.read.grantValue(role);
  }

  /** The executor role that writes to the CRM as the restricted write integration user. */
  public grantWriteUser(role: iam.IRole): void {
    this.guarded.write.grantValue(role);
  }

  /** A role that computes keyed hashes for the `hash` redaction action. */
  public grantHmacKey(role: iam.IRole): void {
    this.guarded.hmac.grantValue(role);
  }

  /**
   * Rotates both CRM secrets with `fn` every `every`: a rotation schedule per secret, Secrets
   * Manager allowed to invoke `fn` for these secrets only, and `fn`'s role exempt from the read
   * deny with the rotation steps' permissions; for Salesforce, `fn` also reads the credentials
   * administrator. The first rotation waits for the schedule, so operators put the real
   * credentials after the deploy before anything rotates (see lib/constructs/crm-rotation.ts).
   */
  public addRotation(fn: lambda.IFunction, every: Duration): void {
    if (!fn.role) throw new Error('CrmCredentials.addRotation: the rotation function needs an execution role');
    this.guarded.admin?.grantValue(fn.role);
    for (const [name, secret] of [['Read', this.guarded.read], ['Write', this.guarded.write]] as const) {
      secret.grantValue(fn.role, 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage');
      const permission = new lambda.CfnPermission(this, `${name}RotationInvoke`, {
        action: 'lambda:InvokeFunction',
        functionName: fn.functionArn,
        principal: 'secretsmanager.amazonaws.com',
        sourceArn: secret.secretArn,
      });
      new secretsmanager.CfnRotationSchedule(this, `${name}Rotation`, {
        secretId: secret.secretArn,
        rotationLambdaArn: fn.functionArn,
        rotationRules: { scheduleExpression: events.Schedule.rate(every).expressionString },
        rotateImmediatelyOnUpdate: false,
      }).node.addDependency(permission);
    }
  }

  /** Principals exempt from each secret's read deny: the account root, then the granted roles. */
  public readersOf(secret: 'read' | 'write' | 'hmac' | 'admin'): readonly string[] {
    const guarded = this.guarded[secret];
    if (!guarded) throw new Error(`CrmCredentials: there is no ${secret} secret for this CRM`);
    return guarded.readerArns;
  }
}
