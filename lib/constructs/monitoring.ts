import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { BridgeKeys } from './keys';

export interface BridgeMonitoringProps {
  /** Keys of the bridge; the alarms key encrypts the topic. */
  readonly keys: BridgeKeys;
  /**
   * Address subscribed to the alarm topic (it must confirm the subscription).
   * @default - no subscription; subscribe on the topic yourself
   */
  readonly alarmEmail?: string;
}

/**
 * Where the bridge's alarms go: one SNS topic encrypted with the alarms CMK, TLS-only
 * publishing, and an optional email subscription. Constructs add alarms with `alarm()`.
 */
export class BridgeMonitoring extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: BridgeMonitoringProps) {
    super(scope, id);
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'crm-agent-bridge alarms',
      masterKey: props.keys.alarms,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
  }

  /** Creates an alarm whose alarm (and recovery) notifications go to the alarm topic. */
  public alarm(scope: Construct, id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, props);
    const action = new cwActions.SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}
