/**
 * A policy bundle: schema + policies + effectiveFrom, identified by a content hash. Loading
 * validates the policies against the schema (strict mode, Cedar's own messages); each action and
 * resource type gets its own WASM-side policy set, parsed once on first use, so evaluation never
 * re-parses text and Cedar only walks the policies that can apply.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';
import { BridgeError } from '../errors';
import { parsePolicyMeta, type PolicyMeta } from './annotations';
import { attributeUse, type AttributeUse } from './attributes';
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
  /** The policies that may apply to a request on `action` and a resource of `type` (one of resourceTypes[action]). */
  evaluationSet(action: PolicyAction, type: string): EvaluationSet;
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
  const rewritten = parsed.map((p) => ({ ...p, json: withObligationConditions(p.meta, p.json) }));
  // Validated with their obligation conditions (which read context.fields and context.recordLimit), once
  // on the success path: Cedar's first calls are slow in a cold process. Only on failure are the policies
  // validated as written, so that errors of the author's text carry its file and line.
  const problems = schemaProblems(src.schema, rewritten, (p) => p.json);
  if (problems) throw invalidBundle(schemaProblems(src.schema, parsed, (p) => p.text, src.policies) ?? problems);

  // Parsed on first use: a cold function pays only for the (action, type) pairs it serves.
  const sets = new Map<string, EvaluationSet>();
  const evaluationSet = (action: PolicyAction, type: string): EvaluationSet => {
    const key = `${version}/${action}/${type}`;
    let set = sets.get(key);
    if (!set) {
      const scoped = rewritten.filter((p) => mayApplyTo(p.json.action, action) && mayApplyToResource(p.json.resource, type));
      set = { id: scoped.length ? preparse(key, scoped) : undefined, reads: attributeUse(scoped.map((p) => p.json)) };
      sets.set(key, set);
    }
    return set;
  };
  return { version, effectiveFrom, policies: new Map(parsed.map((p) => [p.meta.id, p.meta])), resourceTypes, evaluationSet };
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

/** Cedar's strict-mode validation messages, or undefined when the policies type-check. */
function schemaProblems(schema: string, policies: ParsedPolicy[], body: (p: ParsedPolicy) => Cedar.Policy, files?: PolicySource[]): string[] | undefined {
  const answer = cedar.validate({
    schema,
    policies: { staticPolicies: Object.fromEntries(policies.map((p) => [p.meta.id, body(p)])) },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure') return answer.errors.map((e) => formatCedarError(e, SCHEMA_FILE, schema));
  const issues = answer.validationErrors;
  if (issues.length === 0) return undefined;
  return issues.map((v) => {
    const p = policies.find((q) => q.meta.id === v.policyId);
    const fileText = files?.find((f) => f.name === p?.meta.file)?.text;
    const offset = fileText && p ? Math.max(0, fileText.indexOf(p.text)) : 0;
    return `${formatCedarError(v.error, p?.meta.file, fileText, offset)} [policy "${v.policyId}"]`;
  });
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

/** False only when the policy's resource scope provably excludes entities of `type` (`in` is kept). */
function mayApplyToResource(scope: Cedar.ResourceConstraint, type: string): boolean {
  if (scope.op === 'is') return scope.entity_type === type;
  if (scope.op === '==' && 'entity' in scope) return ('__entity' in scope.entity ? scope.entity.__entity.type : scope.entity.type) === type;
  return true;
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
  const staticPolicies = Object.fromEntries(policies.map((p) => [p.meta.id, { ...p.json, effect: 'permit' as const }]));
  const answer = cedar.preparsePolicySet(id, { staticPolicies });
  // The same policies passed strict validation at load, so Cedar refusing them now is a defect, not bad input.
  if (answer.type === 'failure') throw new BridgeError('INTERNAL', `Policy set ${id} failed to preparse: ${answer.errors.map((e) => formatCedarError(e)).join('; ')}`);
  return id;
}
