/**
 * The local runtime's state machine is the synthesized one: it parses, validates as ASL, and names the five step
 * functions by local ARNs that map back to their roles (and so to their handlers).
 */
import aslValidator from 'asl-validator';
import { Template } from 'aws-cdk-lib/assertions';
import { APPROVAL_STEP_ROLES } from '../../lib/constructs/approval-flow';
import { FUNCTIONS } from '../../lambda/core/constants';
import { approvalDefinitionString, localBridgeConfig, localFunctionArn, localStateMachine, resolveDefinitionString } from '../../local/state-machine';
import { bridgeStack, CfnJson } from '../lib/bridge-fixtures';

describe('local state machine', () => {
  test('the definition parses and validates as ASL', () => {
    // Prepare
    const { definition } = localStateMachine();

    // Act
    const result = aslValidator(definition, { checkPaths: true, checkArn: true });

    // Assess
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('it names all five step functions by local ARN, each mapped to its role', () => {
    // Prepare
    const { definition, functions } = localStateMachine();

    // Act
    const text = JSON.stringify(definition);
    const named = [...new Set(text.match(/arn:aws:lambda:[^"]+/g))].sort();

    // Assess
    expect(named).toEqual(APPROVAL_STEP_ROLES.map(localFunctionArn).sort());
    expect(Object.entries(functions).sort()).toEqual(APPROVAL_STEP_ROLES.map((r) => [`arn:aws:lambda:local:000000000000:function:${FUNCTIONS[r]}`, r]).sort());
  });

  test('each call returns its own copy, so a runner may annotate it', () => {
    // Prepare
    const first = localStateMachine().definition;

    // Act
    (first as { States: Record<string, unknown> }).States = {};

    // Assess
    expect(Object.keys((localStateMachine().definition as { States: Record<string, unknown> }).States).length).toBeGreaterThan(5);
  });

  test('the definition it resolves is the one synthesis writes into the template', () => {
    // Prepare
    const stack = bridgeStack(localBridgeConfig());

    // Act
    const machine = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(stack.approvalFlow.stateMachine.node.defaultChild as CfnJson)];

    // Assess
    expect(approvalDefinitionString(stack)).toEqual(machine.Properties.DefinitionString);
  });

  test('a reference the local runtime cannot resolve is refused with its name', () => {
    // Prepare
    const definition = { 'Fn::Join': ['', ['{"Resource":"', { 'Fn::ImportValue': 'Elsewhere' }, '"}']] };

    // Act / Assess
    expect(() => resolveDefinitionString(definition, () => 'x')).toThrow(/cannot resolve \{"Fn::ImportValue":"Elsewhere"\} locally/);
  });
});
