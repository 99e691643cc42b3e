/**
 * Which request attributes a set of policies can read. Cedar parses every context and entity
 * attribute, and every entity and parent, it is given on every call (a few microseconds each, more
 * for sets and decimals), so the engine passes only those some policy of the set reads. An attribute
 * no policy reads cannot change any policy's result; whatever this walk does not understand keeps
 * everything (fail safe).
 */
import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';

export interface AttributeUse {
  /** Top-level context attributes read as `context.x` / `context has x`; `all` when context is used whole. */
  context: ReadonlySet<string> | 'all';
  /** Every attribute name read anywhere, on any expression: principal attributes outside it are never read. */
  anywhere: ReadonlySet<string> | 'all';
  /** Whether an expression tests ancestry (`in`), so the principal's team must be given. */
  ancestors: boolean;
}

const BINARY = new Set(['==', '!=', 'in', '<', '<=', '>', '>=', '&&', '||', '+', '-', '*', 'contains', 'containsAll', 'containsAny', 'getTag', 'hasTag']);
const UNARY = new Set(['!', 'neg', 'isEmpty']);

export function attributeUse(policies: readonly Cedar.PolicyJson[]): AttributeUse {
  const context = new Set<string>();
  const anywhere = new Set<string>();
  let wholeContext = false;
  let ancestors = false;
  let unknown = false;

  const walk = (e: Cedar.Expr): void => {
    const keys = Object.keys(e);
    if (keys.length !== 1) {
      unknown = true;
      return;
    }
    const op = keys[0];
    const arg = (e as Record<string, unknown>)[op];
    const node = arg as Record<string, Cedar.Expr>;
    if (op === 'Value' || op === 'Slot') return;
    if (op === 'Var') {
      // `context` anywhere but as the object of an attribute access is a use of all of it.
      if (arg === 'context') wholeContext = true;
      return;
    }
    if (op === '.' || op === 'has') {
      const { left, attr } = arg as { left: Cedar.Expr; attr: string | string[] };
      const names = Array.isArray(attr) ? attr : [attr];
      for (const n of names) anywhere.add(n);
      if ('Var' in left && left.Var === 'context') context.add(names[0]);
      else walk(left);
      return;
    }
    if (op === 'in' || (op === 'is' && node.in)) ancestors = true;
    if (BINARY.has(op)) return [node.left, node.right].forEach(walk);
    if (UNARY.has(op)) return walk(node.arg);
    if (op === 'like') return walk(node.left);
    if (op === 'is') return [node.left, node.in].filter(Boolean).forEach(walk);
    if (op === 'if-then-else') return [node.if, node.then, node.else].forEach(walk);
    if (op === 'Set') return (arg as Cedar.Expr[]).forEach(walk);
    if (op === 'Record') return Object.values(arg as Record<string, Cedar.Expr>).forEach(walk);
    // Extension function or method call: `{ "<name>": [args] }`.
    if (Array.isArray(arg)) return (arg as Cedar.Expr[]).forEach(walk);
    unknown = true;
  };

  for (const p of policies) for (const c of p.conditions) walk(c.body);
  if (unknown) return { context: 'all', anywhere: 'all', ancestors: true };
  return { context: wholeContext ? 'all' : context, anywhere, ancestors };
}

/** `values` restricted to the names `keep` allows. */
export function pick<T>(values: Record<string, T>, keep: ReadonlySet<string> | 'all'): Record<string, T> {
  if (keep === 'all') return values;
  const out: Record<string, T> = {};
  for (const k in values) if (keep.has(k)) out[k] = values[k];
  return out;
}
