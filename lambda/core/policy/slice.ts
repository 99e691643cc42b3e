/**
 * Evaluation slices: the policies of a bundle that can apply to a request, specialised to the
 * request facts that take few values, so that each Cedar call parses and walks as little as it
 * can. Cedar's per-call cost is mostly its input (each context attribute, the principal entity and
 * its parents) and then each policy, so a slice drops what cannot matter to the requests it serves.
 *
 * Each step is exact for the requests the engine builds: principal `Agent::"<id>"` whose only
 * ancestor is `Team::"<team>"`, a context that always carries `crm` and `unmaskedPii`, an agent that
 * always has a `tier`. Per (action, resource type, named team, SPECIALISED values):
 * - a policy whose action or resource scope excludes the request is dropped (never satisfied, never errors);
 * - `principal in Team::"T"` holds exactly when T is the agent's team: the scope is lifted or the policy dropped;
 * - SPECIALISED attributes are replaced by their values (`has` on them by whether the request has them) and constants are
 *   folded without changing evaluation order: a condition clause that is constant true is removed,
 *   and a policy whose clauses up to a constant false one are all constant true is dropped.
 * Scope constraints never error, so dropping a policy that can only be unsatisfied changes nothing.
 * test/core/policy/slicing.test.ts compares slices with the whole bundle; evaluation.test.ts with plain Cedar.
 */
import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';
import { BridgeError } from '../errors';
import type { PolicyMeta } from './annotations';
import { attributeUse, type AttributeUse } from './attributes';
import { cedar, formatCedarError } from './cedar';
import { POLICY_ACTIONS, type PolicyAction, type PolicyRequest } from './types';

export interface SlicePolicy {
  meta: PolicyMeta;
  json: Cedar.PolicyJson;
}

/**
 * Every policy of a set is preparsed as a permit, so one Cedar call reports each satisfied policy,
 * forbids included; the engine decides from their real effects and annotations (PolicyMeta).
 */
export interface EvaluationSet {
  /** Preparsed Cedar policy-set id; absent when no policy applies (nothing can be satisfied). */
  readonly id?: string;
  /** What the set's policies read: the engine passes Cedar only that. */
  readonly reads: AttributeUse;
  /** `context.amount` is read as a Long, the decimal × 10⁴ (see scaledAmounts), not as a decimal. */
  readonly scaledAmount: boolean;
}

/** The context attribute of AMOUNT_ACTIONS, a Cedar decimal. */
const AMOUNT = 'amount';

type Variable = 'context' | 'principal';
type Fact = string | boolean;

/**
 * Request attributes of few values that policies compare: substituted per slice, a slice per
 * combination seen (at most 24 per action, resource type and team, and only of those its policies read).
 * Of an attribute with unbounded values, only whether the request has it (`has`) is substituted.
 */
const SPECIALISED: readonly { variable: Variable; attr: string; of: (req: PolicyRequest) => Fact; presence?: true }[] = [
  { variable: 'context', attr: 'crm', of: (req) => req.context.crm },
  { variable: 'context', attr: 'unmaskedPii', of: (req) => req.context.unmaskedPii },
  { variable: 'principal', attr: 'tier', of: (req) => req.agent.tier },
  { variable: 'principal', attr: 'maxRecords', of: (req) => req.agent.maxRecords !== undefined, presence: true },
];

/** Per variable and attribute: whether the request has it, and its value when substituted. */
type Facts = Record<Variable, Record<string, { has: boolean; value?: Fact }>>;

/**
 * The slices of one (action, resource type): the policies whose scopes may apply, the teams their
 * principal scopes name and the SPECIALISED attributes they read, which together key its slices.
 */
export function actionSlices(
  setIdPrefix: string,
  all: readonly SlicePolicy[],
  action: PolicyAction,
  type: string,
): (req: PolicyRequest) => EvaluationSet {
  const scoped = all.filter((p) => mayApplyTo(p.json.action, action) && mayApplyToResource(p.json.resource, type));
  const teams = new Set(scoped.map((p) => teamOf(p.json.principal)).filter((t) => t !== undefined));
  const reads = attributeUse(scoped.map((p) => p.json));
  const specialised = SPECIALISED.filter((s) => {
    const names = s.variable === 'context' ? reads.context : reads.anywhere;
    return names === 'all' || names.has(s.attr);
  });
  const slices = new Map<string, EvaluationSet>();
  return (req) => {
    // Specialised values are enumerations without "/", and the team comes last: the key is unambiguous.
    let key = '';
    for (const s of specialised) key += `${String(s.of(req))}/`;
    const team = teams.has(req.agent.team) ? req.agent.team : undefined;
    key += team ?? '';
    let set = slices.get(key);
    if (!set) {
      const facts: Facts = { context: {}, principal: {} };
      for (const s of specialised) facts[s.variable][s.attr] = s.presence ? { has: s.of(req) === true } : { has: true, value: s.of(req) };
      set = slice(`${setIdPrefix}/${key}`, scoped, team, facts);
      slices.set(key, set);
    }
    return set;
  };
}

function slice(id: string, scoped: readonly SlicePolicy[], team: string | undefined, facts: Facts): EvaluationSet {
  const kept: SlicePolicy[] = [];
  for (const p of scoped) {
    const principal = forTeam(p.json.principal, team);
    const conditions = principal && specialiseConditions(p.json.conditions, facts);
    if (conditions) kept.push({ meta: p.meta, json: { ...p.json, principal, conditions } });
  }
  const reads = attributeUse(kept.map((p) => p.json));
  const scaled = reads.context !== 'all' && reads.context.has(AMOUNT) ? scaledAmounts(kept) : undefined;
  const policies = scaled ?? kept;
  // A remaining `principal in <entity>` scope needs the principal's team like an `in` expression does.
  const scopeAncestry = policies.some((p) => p.json.principal.op === 'in' || (p.json.principal.op === 'is' && p.json.principal.in));
  return {
    id: policies.length ? preparse(id, policies) : undefined,
    reads: { ...reads, ancestors: reads.ancestors || scopeAncestry },
    scaledAmount: scaled !== undefined,
  };
}

function uidOf(uid: Cedar.EntityUidJson): Cedar.TypeAndId {
  return '__entity' in uid ? uid.__entity : uid;
}

/** The team a principal scope `in Team::"T"` (or `is Agent in Team::"T"`) names. */
function teamOf(scope: Cedar.PrincipalConstraint): string | undefined {
  const target = scope.op === 'in' ? scope : scope.op === 'is' && scope.entity_type === 'Agent' ? scope.in : undefined;
  if (!target || !('entity' in target)) return undefined;
  const uid = uidOf(target.entity);
  return uid.type === 'Team' ? uid.id : undefined;
}

/** The principal scope for an agent of `team`: lifted when it names that team, undefined when it names another. */
function forTeam(scope: Cedar.PrincipalConstraint, team: string | undefined): Cedar.PrincipalConstraint | undefined {
  const named = teamOf(scope);
  if (named === undefined) return scope;
  if (named !== team) return undefined;
  return scope.op === 'is' ? { op: 'is', entity_type: scope.entity_type } : { op: 'All' };
}

/** The clauses with SPECIALISED attributes substituted; undefined when they can only be unsatisfied. */
function specialiseConditions(clauses: readonly Cedar.Clause[], facts: Facts): Cedar.Clause[] | undefined {
  const out: Cedar.Clause[] = [];
  for (const c of clauses) {
    const body = specialise(c.body, facts);
    const constant = isBoolean(body) ? (body as { Value: boolean }).Value === (c.kind === 'when') : undefined;
    if (constant === true) continue;
    // Unsatisfied, and every clause before it was constant true (removed): the policy can never hold nor error.
    if (constant === false && out.length === 0) return undefined;
    out.push({ kind: c.kind, body } as Cedar.Clause);
  }
  return out;
}

const BINARY = new Set(['==', '!=', 'in', '<', '<=', '>', '>=', '&&', '||', '+', '-', '*', 'contains', 'containsAll', 'containsAny', 'getTag', 'hasTag']);
const UNARY = new Set(['!', 'neg', 'isEmpty']);

type Node = Record<string, Cedar.Expr>;

/** The single operator of `e` and its operand, or undefined for a shape that is not one node. */
function nodeOf(e: Cedar.Expr): [string, Node] | undefined {
  const keys = Object.keys(e);
  return keys.length === 1 ? [keys[0], (e as Record<string, Node>)[keys[0]]] : undefined;
}

/** `e` with `f` applied to each direct subexpression; undefined when `f` gives up on one, or for a shape not known here. */
function mapChildren(e: Cedar.Expr, f: (x: Cedar.Expr) => Cedar.Expr | undefined): Cedar.Expr | undefined {
  const node = nodeOf(e);
  if (!node) return undefined;
  const [op, arg] = node;
  const all = (xs: Cedar.Expr[]): Cedar.Expr[] | undefined => {
    const out = xs.map(f);
    return out.every((x) => x !== undefined) ? (out as Cedar.Expr[]) : undefined;
  };
  const with_ = (fields: Record<string, Cedar.Expr | undefined>): Cedar.Expr | undefined =>
    Object.values(fields).every((x) => x !== undefined) ? ({ [op]: { ...arg, ...fields } } as Cedar.Expr) : undefined;
  if (op === 'Value' || op === 'Var' || op === 'Slot') return e;
  if (BINARY.has(op)) return with_({ left: f(arg.left), right: f(arg.right) });
  if (UNARY.has(op)) return with_({ arg: f(arg.arg) });
  if (op === '.' || op === 'has' || op === 'like') return with_({ left: f(arg.left) });
  if (op === 'is') return with_(arg.in ? { left: f(arg.left), in: f(arg.in) } : { left: f(arg.left) });
  if (op === 'if-then-else') return with_({ if: f(arg.if), then: f(arg.then), else: f(arg.else) });
  if (op === 'Set') {
    const items = all(arg as unknown as Cedar.Expr[]);
    return items && { Set: items };
  }
  if (op === 'Record') {
    const entries = Object.entries(arg).map(([k, v]) => [k, f(v)] as const);
    return entries.every(([, v]) => v !== undefined) ? { Record: Object.fromEntries(entries) as Record<string, Cedar.Expr> } : undefined;
  }
  // Extension function or method call: `{ "<name>": [args] }`.
  if (Array.isArray(arg)) {
    const args = all(arg as Cedar.Expr[]);
    return args && ({ [op]: args } as Cedar.Expr);
  }
  return undefined;
}

const isPrimitive = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const isBoolean = (e: Cedar.Expr, b?: boolean): boolean => 'Value' in e && typeof e.Value === 'boolean' && (b === undefined || e.Value === b);

function known(left: Cedar.Expr, attr: string, facts: Facts): Facts[Variable][string] | undefined {
  if (!('Var' in left) || (left.Var !== 'context' && left.Var !== 'principal')) return undefined;
  const attrs = facts[left.Var];
  return Object.hasOwn(attrs, attr) ? attrs[attr] : undefined;
}

type CedarType = 'Bool' | 'Long' | 'String' | 'Set';

/** The context attributes toCedarCall gives in every request (when a policy reads them), by type. */
const CONTEXT_TYPES: Record<string, CedarType> = {
  fields: 'Set',
  recordLimit: 'Long',
  crm: 'String',
  purpose: 'String',
  unmaskedPii: 'Bool',
  hourUtc: 'Long',
  weekdayUtc: 'Long',
};

/** The type of `e`'s value when its evaluation cannot fail, for a few shapes; undefined when it may fail or is not known here. */
function typeOf(e: Cedar.Expr): CedarType | undefined {
  const node = nodeOf(e);
  if (!node) return undefined;
  const [op, arg] = node;
  if (op === 'Value') {
    const v = arg as unknown;
    return typeof v === 'boolean' ? 'Bool' : typeof v === 'string' ? 'String' : typeof v === 'number' ? 'Long' : undefined;
  }
  if (op === '.' && 'Var' in arg.left && arg.left.Var === 'context' && typeof arg.attr === 'string') {
    return Object.hasOwn(CONTEXT_TYPES, arg.attr) ? CONTEXT_TYPES[arg.attr] : undefined;
  }
  const [left, right] = [arg.left && typeOf(arg.left), arg.right && typeOf(arg.right)];
  if (op === '==' || op === '!=') return left && right ? 'Bool' : undefined;
  if (op === '<' || op === '<=' || op === '>' || op === '>=') return left === 'Long' && right === 'Long' ? 'Bool' : undefined;
  if (op === '&&' || op === '||') return left === 'Bool' && right === 'Bool' ? 'Bool' : undefined;
  if (op === '!') return typeOf(arg.arg) === 'Bool' ? 'Bool' : undefined;
  return undefined;
}

/**
 * `e` with SPECIALISED attributes replaced by their values, folding only what cannot change a
 * value or an error: `v1 == v2` and `!=` on primitives, `!v`, `&&`/`||` decided by a constant left
 * operand (Cedar does not evaluate the right one), and a constant right operand after a left one
 * that cannot fail (typeOf). Shapes not known here are kept.
 */
function specialise(e: Cedar.Expr, facts: Facts): Cedar.Expr {
  const node = nodeOf(e);
  if (!node) return e;
  const [op, arg] = node;
  const rec = (x: Cedar.Expr) => specialise(x, facts);
  if (op === '.' || op === 'has') {
    const attr = arg.attr as unknown as string | string[];
    const single = Array.isArray(attr) ? (attr.length === 1 ? attr[0] : undefined) : attr;
    const fact = single === undefined ? undefined : known(arg.left, single, facts);
    if (fact && op === 'has') return { Value: fact.has };
    if (fact?.value !== undefined) return { Value: fact.value };
  }
  if (op === '&&' || op === '||') {
    const left = rec(arg.left);
    if (isBoolean(left, op === '||')) return left;
    const right = rec(arg.right);
    // A right operand that decides (false for &&, true for ||) or is neutral, after a left one that cannot fail.
    if (isBoolean(right) && typeOf(left) === 'Bool') return isBoolean(right, op === '||') ? right : left;
    return { [op]: { left, right } } as Cedar.Expr;
  }
  if (op === '==' || op === '!=') {
    const left = rec(arg.left);
    const right = rec(arg.right);
    if ('Value' in left && 'Value' in right && isPrimitive(left.Value) && isPrimitive(right.Value)) {
      return { Value: (left.Value === right.Value) === (op === '==') };
    }
    return { [op]: { left, right } } as Cedar.Expr;
  }
  if (op === '!') {
    const inner = rec(arg.arg);
    return isBoolean(inner) ? { Value: !(inner as { Value: boolean }).Value } : { '!': { arg: inner } };
  }
  return mapChildren(e, rec) ?? e;
}

/** Cedar decimal methods that compare, as Long operators. */
const DECIMAL_COMPARISONS: Record<string, string> = { lessThan: '<', lessThanOrEqual: '<=', greaterThan: '>', greaterThanOrEqual: '>=' };
/** Beyond every literal that scaledAmounts converts: amounts past it compare with literals as they are. */
export const SCALED_AMOUNT_BOUND = 2 ** 53;

function isAmount(e: Cedar.Expr): boolean {
  const node = nodeOf(e);
  return node?.[0] === '.' && (node[1].attr as unknown) === AMOUNT && 'Var' in node[1].left && node[1].left.Var === 'context';
}

/** `decimal("<literal>")` as its Long value × 10⁴, when Cedar surely parses it and it is below SCALED_AMOUNT_BOUND. */
function decimalLiteral(e: Cedar.Expr): number | undefined {
  const node = nodeOf(e);
  if (!node || node[0] !== 'decimal') return undefined;
  const args = node[1] as unknown as Cedar.Expr[];
  const text = args.length === 1 && 'Value' in args[0] ? args[0].Value : undefined;
  const m = typeof text === 'string' ? /^(-?)(0|[1-9]\d{0,14})\.(\d{1,4})$/.exec(text) : null;
  if (!m) return undefined;
  const magnitude = BigInt(m[2]) * 10_000n + BigInt(m[3].padEnd(4, '0'));
  return magnitude < BigInt(SCALED_AMOUNT_BOUND) ? Number(m[1] ? -magnitude : magnitude) : undefined;
}

/** A comparison of `context.amount` with a decimal literal, as the same comparison of Longs × 10⁴. */
function scaledComparison(e: Cedar.Expr): Cedar.Expr | undefined {
  const node = nodeOf(e);
  if (!node) return undefined;
  const [op, arg] = node;
  const long = Object.hasOwn(DECIMAL_COMPARISONS, op) ? DECIMAL_COMPARISONS[op] : op === '==' || op === '!=' ? op : undefined;
  if (!long) return undefined;
  const pair = Array.isArray(arg) ? arg : [arg.left, arg.right];
  if (pair.length !== 2) return undefined;
  const [left, right] = pair as Cedar.Expr[];
  const l = isAmount(left) ? left : decimalLiteral(left);
  const r = isAmount(right) ? right : decimalLiteral(right);
  if (l === undefined || r === undefined || isAmount(left) === isAmount(right)) return undefined;
  const operand = (x: Cedar.Expr | number): Cedar.Expr => (typeof x === 'number' ? { Value: x } : x);
  return { [long]: { left: operand(l), right: operand(r) } } as Cedar.Expr;
}

/** `e` with every use of `context.amount` a comparison of Longs; undefined when it uses the amount (or the context) otherwise. */
function scaleAmount(e: Cedar.Expr): Cedar.Expr | undefined {
  const scaled = scaledComparison(e);
  if (scaled) return scaled;
  const node = nodeOf(e);
  if (node && (node[0] === '.' || node[0] === 'has') && 'Var' in node[1].left && node[1].left.Var === 'context') {
    const attr = node[1].attr as unknown as string | string[];
    return (Array.isArray(attr) ? attr[0] : attr) === AMOUNT ? undefined : e;
  }
  if ('Var' in e && e.Var === 'context') return undefined;
  return mapChildren(e, scaleAmount);
}

/**
 * The policies with `context.amount` (a Cedar decimal) read as a Long, the amount × 10⁴, when every
 * use of it compares it with a decimal literal: Cedar parses a decimal in the context at about ten
 * times the cost of a Long, and decimal order is the order of these Longs. Undefined otherwise.
 */
function scaledAmounts(policies: readonly SlicePolicy[]): SlicePolicy[] | undefined {
  const out: SlicePolicy[] = [];
  for (const p of policies) {
    const conditions: Cedar.Clause[] = [];
    for (const c of p.json.conditions) {
      const body = scaleAmount(c.body);
      if (!body) return undefined;
      conditions.push({ kind: c.kind, body } as Cedar.Clause);
    }
    out.push({ meta: p.meta, json: { ...p.json, conditions } });
  }
  return out;
}

/** False only when the policy's resource scope provably excludes entities of `type` (`in` is kept). */
function mayApplyToResource(scope: Cedar.ResourceConstraint, type: string): boolean {
  if (scope.op === 'is') return scope.entity_type === type;
  if (scope.op === '==' && 'entity' in scope) return uidOf(scope.entity).type === type;
  return true;
}

/** False only when the policy's action scope provably excludes `action` (groups are kept). */
function mayApplyTo(scope: Cedar.ActionConstraint, action: PolicyAction): boolean {
  if (scope.op === 'All') return true;
  const ids = scope.op === '==' ? ('entity' in scope ? [scope.entity] : []) : 'entities' in scope ? scope.entities : [scope.entity];
  return ids.some((uid) => {
    const { id } = uidOf(uid);
    return id === action || !(POLICY_ACTIONS as readonly string[]).includes(id);
  });
}

function preparse(id: string, policies: readonly SlicePolicy[]): string {
  const staticPolicies = Object.fromEntries(policies.map((p) => [p.meta.id, { ...p.json, effect: 'permit' as const }]));
  const answer = cedar.preparsePolicySet(id, { staticPolicies });
  // The same policies passed strict validation at load, so Cedar refusing them now is a defect, not bad input.
  if (answer.type === 'failure') throw new BridgeError('INTERNAL', `Policy set ${id} failed to preparse: ${answer.errors.map((e) => formatCedarError(e)).join('; ')}`);
  return id;
}
