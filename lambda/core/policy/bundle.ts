/**
 * A policy bundle: schema + policies + effectiveFrom, identified by a content hash. Loading
 * validates the policies against the schema (strict mode, Cedar's own messages); requests are
 * evaluated on slices of the bundle (slice.ts), each a WASM-side policy set parsed once on first
 * use, so evaluation never re-parses text and Cedar only walks the policies that can apply.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';
import { parsePolicyMeta, type PolicyMeta } from './annotations';
import { cedar, formatCedarError, invalidBundle } from './cedar';
import { actionSlices, type EvaluationSet } from './slice';
import { POLICY_ACTIONS, type PolicyAction, type PolicyRequest } from './types';

export type { EvaluationSet } from './slice';

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
   * The slice of policies that may apply to `req` (its resource type one of resourceTypes[action]).
   * `@allowedFields` and `@maxRecords` are not in it: the engine checks them (permitsRequest).
   */
  evaluationSet(req: PolicyRequest): EvaluationSet;
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
  // Validated with their obligation conditions (which read context.fields and context.recordLimit), so the
  // schema must carry what the engine checks; once on the success path: Cedar's first calls are slow in a
  // cold process. Only on failure are the policies validated as written, so that errors of the author's
  // text carry its file and line.
  const problems = schemaProblems(src.schema, rewritten, (p) => p.json);
  if (problems) throw invalidBundle(schemaProblems(src.schema, parsed, (p) => p.text, src.policies) ?? problems);

  // Each action's slices are parsed on first use: a cold function pays only for the requests it serves.
  const slicers = new Map<string, (req: PolicyRequest) => EvaluationSet>();
  const evaluationSet = (req: PolicyRequest): EvaluationSet => {
    const key = `${req.action}/${req.resource.type}`;
    let slicer = slicers.get(key);
    if (!slicer) {
      slicer = actionSlices(`${version}/${key}`, parsed, req.action, req.resource.type);
      slicers.set(key, slicer);
    }
    return slicer(req);
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

/**
 * `@allowedFields` and `@maxRecords` as the permit conditions they are. The engine checks them in
 * TypeScript (permitsRequest), which is the same: they come last and cannot fail to evaluate.
 */
export function withObligationConditions(meta: PolicyMeta, json: Cedar.PolicyJson): Cedar.PolicyJson {
  const extra: Cedar.Clause[] = [];
  if (meta.allowedFields) {
    extra.push({ kind: 'when', body: { containsAll: { left: { Set: meta.allowedFields.map((f) => ({ Value: f })) }, right: ctx('fields') } } });
  }
  if (meta.maxRecords !== undefined) extra.push({ kind: 'when', body: { '<=': { left: ctx('recordLimit'), right: { Value: meta.maxRecords } } } });
  return extra.length ? { ...json, conditions: [...json.conditions, ...extra] } : json;
}
