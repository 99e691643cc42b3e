/** The synthesized approval state machine is valid Amazon States Language (asl-validator, paths and ARNs checked). */
import aslValidator from 'asl-validator';
import { Template } from 'aws-cdk-lib/assertions';
import { APPROVAL_STATES } from '../../lib/constructs/approval-flow';
import { resolveDefinitionString } from '../../local/state-machine';
import { DEFAULT_CONFIG, EGRESS_CONFIG, bridgeStack, configFrom, CfnJson } from './bridge-fixtures';

/** The definition as CloudFormation would resolve it in account 123456789012, eu-west-1. */
function synthesizedDefinition(configPath: string): Record<string, CfnJson> {
  const stack = bridgeStack(configFrom(configPath));
  const machine = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(stack.approvalFlow.stateMachine.node.defaultChild as CfnJson)];
  return JSON.parse(resolveDefinitionString(machine.Properties.DefinitionString, (id) => `arn:aws:lambda:eu-west-1:123456789012:function:${id}`));
}

describe('approval state machine ASL', () => {
  test.each([
    ['the default config', DEFAULT_CONFIG],
    ['the allowlisted-egress config', EGRESS_CONFIG],
  ])('the definition synthesized from %s validates', (_name, path) => {
    // Prepare
    const definition = synthesizedDefinition(path);

    // Act
    const result = aslValidator(definition, { checkPaths: true, checkArn: true });

    // Assess
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('the validator rejects the definition with a transition to a state that does not exist', () => {
    // Prepare
    const definition = synthesizedDefinition(DEFAULT_CONFIG);
    definition.States[APPROVAL_STATES.execute].Next = 'NoSuchState';

    // Act
    const result = aslValidator(definition, { checkPaths: true, checkArn: true });

    // Assess
    expect(result.isValid).toBe(false);
    expect(result.errorsText()).toMatch(/NoSuchState/);
  });
});
