/**
 * A policy bundle: schema + policies + effectiveFrom, identified by a content hash. Loading
 * validates the policies against the schema (strict mode, Cedar's own messages) and parses
 * them once into WASM-side policy sets, so evaluation never re-parses text.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';
import { parsePolicyMeta, type PolicyMeta } from './annotations';
import { cedar, formatCedarError, invalidBundle } from './cedar';
import { POLICY_ACTIONS, type PolicyAction } from './types';

export interface PolicySource {
  /** File name, used in error messages. */
  name: string;
  text: string;
}

export interface BundleSources {
  schema: string;
  policies: PolicySource[];
  /** ISO 8601 instant from which this bundle is in force. */
  effectiveFrom: string;
}

export interface PolicyBundle {
  /** `sha256-` + base64url SHA-256 of the canonical sources: changes with any byte of them. */
  readonly version: string;
  readonly effectiveFrom: Date;
  readonly policies: ReadonlyMap<string, PolicyMeta>;
  /** Resource entity types each action applies to, from the schema. */
  readonly resourceTypes: Readonly<Record<PolicyAction, readonly string[]>>;
  /**
   * Preparsed Cedar policy-set ids per action. `all`: every policy that may apply to it.
   * `attended`: the same without the forbids an approval lifts (@approval forbids).
   */
  readonly sets: Readonly<Record<PolicyAction, { all: string; attended: string }>>;
}

const SCHEMA_FILE = 'schema.cedarschema';

export function bundleVersion(src: BundleSources): string {
  const policies = [...src.policies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const canonical = canonicalize({ schema: src.schema, policies, effectiveFrom: src.effectiveFrom }) as string;
  return 'sha256-' + createHash('sha256').update(canonical).digest('base64url');
}

interface ParsedPolicy {
  meta: PolicyMeta;
  text: string;
  json: Cedar.PolicyJson;
}

/** Pure: file contents in, validated and preparsed bundle out; VALIDATION_FAILED with Cedar's messages otherwise. */
export function loadBundleFromSources(src: BundleSources): PolicyBundle {
  const effectiveFrom = new Date(src.effectiveFrom);
  if (typeof src.effectiveFrom !== 'string' || Number.isNaN(effectiveFrom.getTime())) {
    throw invalidBundle([`effectiveFrom "${String(src.effectiveFrom)}" is not an ISO 8601 date-time`]);
  }
  const version = bundleVersion(src);
  const resourceTypes = readSchemaActions(src.schema);
  const parsed = parsePolicies(src.policies);
  if (parsed.length === 0) throw invalidBundle(['the bundle has no policies (everything would be denied)']);
  validateAgainstSchema(src.schema, parsed, (p) => p.text, src.policies);
  const rewritten = parsed.map((p) => ({ ...p, json: withObligationConditions(p.meta, p.json) }));
  // Obligation conditions reference context.fields and context.recordLimit: check they type.
  validateAgainstSchema(src.schema, rewritten, (p) => p.json);

  const sets = {} as Record<PolicyAction, { all: string; attended: string }>;
  for (const action of POLICY_ACTIONS) {
    const scoped = rewritten.filter((p) => mayApplyTo(p.json.action, action));
    sets[action] = {
      all: preparse(`${version}/${action}/all`, scoped),
      attended: preparse(`${version}/${action}/attended`, scoped.filter((p) => p.meta.effect === 'permit' || !p.meta.approval)),
    };
  }
  return { version, effectiveFrom, policies: new Map(parsed.map((p) => [p.meta.id, p.meta])), resourceTypes, sets };
}

function readSchemaActions(schema: string): Record<PolicyAction, string[]> {
  const answer = cedar.schemaToJson(schema);
  if (answer.type === 'failure') throw invalidBundle(answer.errors.map((e) => formatCedarError(e, SCHEMA_FILE, schema)));
  const root = answer.json[''];
  const out = {} as Record<PolicyAction, string[]>;
  const missing = POLICY_ACTIONS.filter((a) => !root?.actions[a]?.appliesTo);
  if (!root || missing.length) {
    throw invalidBundle([`${SCHEMA_FILE}: must declare, without a namespace, the actions ${missing.join(', ')} with appliesTo`]);
  }
  for (const a of POLICY_ACTIONS) out[a] = root.actions[a].appliesTo!.resourceTypes;
  return out;
}

function parsePolicies(sources: PolicySource[]): ParsedPolicy[] {
  const out: ParsedPolicy[] = [];
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const file of sources) {
    const parts = cedar.policySetTextToParts(file.text);
    if (parts.type === 'failure') {
      errors.push(...parts.errors.map((e) => formatCedarError(e, file.name, file.text)));
      continue;
    }
    if (parts.policy_templates.length) errors.push(`${file.name}: templates are not supported; write static policies`);
    parts.policies.forEach((text, ordinal) => {
      const json = cedar.policyToJson(text);
      if (json.type === 'failure') {
        errors.push(...json.errors.map((e) => formatCedarError(e, file.name)));
        return;
      }
      try {
        const meta = parsePolicyMeta(file.name, json.json.effect, json.json.annotations ?? {}, ordinal);
        const other = seen.get(meta.id);
        if (other) errors.push(`${file.name}: policy "${meta.id}": @id already used in ${other}`);
        seen.set(meta.id, file.name);
        out.push({ meta, text, json: json.json });
      } catch (e) {
        errors.push((e as Error).message);
      }
    });
  }
  if (errors.length) throw invalidBundle(errors);
  return out;
}

function validateAgainstSchema(schema: string, policies: ParsedPolicy[], body: (p: ParsedPolicy) => Cedar.Policy, files?: PolicySource[]): void {
  const answer = cedar.validate({
    schema,
    policies: { staticPolicies: Object.fromEntries(policies.map((p) => [p.meta.id, body(p)])) },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure') throw invalidBundle(answer.errors.map((e) => formatCedarError(e, SCHEMA_FILE, schema)));
  const issues = answer.validationErrors;
  if (issues.length === 0) return;
  throw invalidBundle(
    issues.map((v) => {
      const p = policies.find((q) => q.meta.id === v.policyId);
      const fileText = files?.find((f) => f.name === p?.meta.file)?.text;
      const offset = fileText && p ? Math.max(0, fileText.indexOf(p.text)) : 0;
      return `${formatCedarError(v.error, p?.meta.file, fileText, offset)} [policy "${v.policyId}"]`;
    }),
  );
}

const ctx = (attr: string): Cedar.Expr => ({ '.': { left: { Var: 'context' }, attr } });

/** `@allowedFields` and `@maxRecords` bound the permit itself, so the annotation is the single source. */
function withObligationConditions(meta: PolicyMeta, json: Cedar.PolicyJson): Cedar.PolicyJson {
  const extra: Cedar.Clause[] = [];
  if (meta.allowedFields) {
    extra.push({ kind: 'when', body: { containsAll: { left: { Set: meta.allowedFields.map((f) => ({ Value: f })) }, right: ctx('fields') } } });
  }
  if (meta.maxRecords !== undefined) extra.push({ kind: 'when', body: { '<=': { left: ctx('recordLimit'), right: { Value: meta.maxRecords } } } });
  return extra.length ? { ...json, conditions: [...json.conditions, ...extra] } : json;
}

/** False only when the policy's action scope provably excludes `action` (groups are kept). */
function mayApplyTo(scope: Cedar.ActionConstraint, action: PolicyAction): boolean {
  if (scope.op === 'All') return true;
  const ids =
    scope.op === '==' ? ('entity' in scope ? [scope.entity] : []) : 'entities' in scope ? scope.entities : [scope.entity];
  return ids.some((uid) => {
    const id = '__entity' in uid ? uid.__entity.id : uid.id;
    return id === action || !(POLICY_ACTIONS as readonly string[]).includes(id);
  });
}

function preparse(id: string, policies: { meta: PolicyMeta; json: Cedar.PolicyJson }[]): string {
  const answer = cedar.preparsePolicySet(id, { staticPolicies: Object.fromEntries(policies.map((p) => [p.meta.id, p.json])) });
  if (answer.type === 'failure') throw invalidBundle(answer.errors.map((e) => formatCedarError(e)));
  return id;
}
