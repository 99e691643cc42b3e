import { createHmac } from 'node:crypto';
import { BridgeError } from '../errors';
import type { CrmKind, CrmRecord, FieldClass, RedactionAction } from '../types';
import { classifyField, type CustomFieldCatalog } from './catalog';
import type { Entity, EntityType, VaultEntry } from './entities';
import { findEntities } from './find';
import { neutralizePlaceholders } from './placeholders';
import { viewOf } from './view';

/** Secure defaults per field class: nothing identifying leaves in clear unless policy says so. */
export const DEFAULT_FIELD_POLICY: Readonly<Record<FieldClass, RedactionAction>> = {
  EMAIL: 'tokenize',
  PHONE: 'tokenize',
  PERSON_NAME: 'tokenize',
  POSTAL_ADDRESS: 'tokenize',
  DATE_OF_BIRTH: 'drop',
  GOVERNMENT_ID: 'drop',
  FINANCIAL: 'hash',
  FREE_TEXT: 'allow', // allowed only after its entities are redacted by the text policy
  IDENTIFIER: 'allow',
  NON_SENSITIVE: 'allow',
};

const SECRET_TYPES: readonly EntityType[] = [
  'PRIVATE_KEY', 'JWT', 'AWS_ACCESS_KEY', 'SLACK_TOKEN', 'STRIPE_KEY', 'GITHUB_TOKEN', 'HUBSPOT_TOKEN', 'SALESFORCE_TOKEN', 'URL_CREDENTIALS', 'SECRET',
];
export const DEFAULT_TEXT_POLICY: Readonly<Record<EntityType, RedactionAction>> = {
  ...(Object.fromEntries(SECRET_TYPES.map((t) => [t, 'drop'])) as Record<EntityType, RedactionAction>),
  EMAIL: 'tokenize',
  PHONE: 'tokenize',
  PERSON: 'tokenize',
  POSTAL_ADDRESS: 'tokenize',
  IP_ADDRESS: 'tokenize',
  CREDIT_CARD: 'mask',
  IBAN: 'mask',
  US_SSN: 'drop',
  US_ITIN: 'drop',
  UK_NINO: 'drop',
  CA_SIN: 'drop',
  DATE_OF_BIRTH: 'drop',
};

/** Placeholder label of a field class (shared with text entity types where they mean the same). */
const CLASS_LABEL: Partial<Record<FieldClass, string>> = { PERSON_NAME: 'PERSON', IDENTIFIER: 'ID', FREE_TEXT: 'TEXT' };
const label = (kind: FieldClass | EntityType): string => CLASS_LABEL[kind as FieldClass] ?? kind;


/**
 * Strings the redactor produced that the output guard need not scan again, because nothing in
 * them can be found. Placeholders are checked once per process (they carry no data: the same
 * `{EMAIL_1}` recurs in every scope). Free text joins `cleanText` only when the redactor found
 * no entity in it at all: its own scan, which adds the record's known names, finds everything
 * the guard's would. Texts are dropped by the next guard run or Redactor, and never exceed a
 * bound, so no customer text outlives the response it was produced for.
 */
const cleanPlaceholders = new Set<string>();
const cleanText = new Set<string>();
const CLEAN_LIMIT = 4096;
/** At most this many characters of clean text are held (about 4 MB). */
const CLEAN_CHARS = 1 << 21;
let cleanChars = 0;

function notePlaceholder(placeholder: string): void {
  if (cleanPlaceholders.size < CLEAN_LIMIT && !cleanPlaceholders.has(placeholder) && findEntities(placeholder).length === 0) cleanPlaceholders.add(placeholder);
}
function noteCleanText(text: string): void {
  if (text.length > CLEAN_CHARS) return;
  if (cleanText.size >= CLEAN_LIMIT || cleanChars + text.length > CLEAN_CHARS) dropCleanText();
  cleanText.add(text);
  cleanChars += text.length;
}
function dropCleanText(): void {
  cleanText.clear();
  cleanChars = 0;
}

/**
 * A copy of a plain object's own enumerable properties, each value mapped (as
 * Object.fromEntries(Object.entries(o).map(…)) gives, without its arrays). A "__proto__" key
 * stays an own property, never the copy's prototype.
 */
function mapValues(o: object, f: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const v = f((o as Record<string, unknown>)[k]);
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

/** Neutralise every string inside an allowed (passed-through) value. */
function neutralizeDeep(value: unknown): unknown {
  if (typeof value === 'string') return neutralizePlaceholders(value);
  if (Array.isArray(value)) return value.map(neutralizeDeep);
  if (value !== null && typeof value === 'object') return mapValues(value, neutralizeDeep);
  return value;
}

/** Format-preserving partial mask: `j***@example.com`, `***-***-1234`, `J*** S***`. */
export function mask(kind: FieldClass | EntityType, value: string): string {
  if (kind === 'EMAIL') {
    const at = value.lastIndexOf('@');
    if (at > 0) return `${value[0]}***${value.slice(at)}`;
  }
  if (kind === 'PERSON' || kind === 'PERSON_NAME') return value.replace(/[\p{L}\p{M}'’-]+/gu, (w) => `${w[0]}***`);
  const alnum = value.replace(/[^\p{L}\p{N}]/gu, '').length;
  // Short values and dates reveal too much with any clear characters left.
  let keep = alnum >= 8 && kind !== 'DATE_OF_BIRTH' && kind !== 'POSTAL_ADDRESS' ? 4 : 0;
  let out = '';
  for (let k = value.length - 1; k >= 0; k--) {
    const ch = value[k];
    if (/[\p{L}\p{N}]/u.test(ch)) out = (keep-- > 0 ? ch : '*') + out;
    else out = ch + out;
  }
  return out;
}

export interface RedactorOptions {
  /** Deployment HMAC key for `hash` (32 bytes or more). */
  readonly hmacKey: Uint8Array;
  readonly policy?: Partial<Record<FieldClass, RedactionAction>>;
  readonly textPolicy?: Partial<Record<EntityType, RedactionAction>>;
  /** Request or conversation id: placeholders are stable within it and resolve only in it. */
  readonly scope: string;
}

/**
 * Applies the per-class and per-entity actions. One instance per scope: the same value gets
 * the same placeholder every time within it, and `vaultEntries` carry the originals.
 */
export class Redactor {
  private readonly policy: Record<FieldClass, RedactionAction>;
  private readonly textPolicy: Record<EntityType, RedactionAction>;
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  constructor(private readonly opts: RedactorOptions) {
    if (!(opts.hmacKey instanceof Uint8Array) || opts.hmacKey.length < 32) {
      throw new BridgeError('VALIDATION_FAILED', 'Redactor needs an HMAC key of at least 32 bytes');
    }
    if (typeof opts.scope !== 'string' || opts.scope.trim() === '') throw new BridgeError('VALIDATION_FAILED', 'Redactor needs a non-empty scope');
    this.policy = { ...DEFAULT_FIELD_POLICY, ...opts.policy };
    this.textPolicy = { ...DEFAULT_TEXT_POLICY, ...opts.textPolicy };
    dropCleanText();
  }

  get scope(): string {
    return this.opts.scope;
  }

  redactRecord(crm: CrmKind, record: CrmRecord, custom?: CustomFieldCatalog): { record: CrmRecord; counts: Record<string, number>; vaultEntries: VaultEntry[] } {
    const counts: Record<string, number> = {};
    const vault = new Map<string, VaultEntry>();
    const entries = Object.entries(record.fields);
    // Each field classified once; its name fields are the record's known names (as catalog.nameFields gives them).
    const classes = entries.map(([name]) => classifyField(crm, record.object, name, custom));
    const knownNames = entries.flatMap(([, v], i) => (classes[i] === 'PERSON_NAME' && typeof v === 'string' && v.trim() !== '' ? [v] : []));
    const fields: Record<string, unknown> = {};
    for (let i = 0; i < entries.length; i++) {
      const [name, value] = entries[i];
      const cls = classes[i];
      if (value === null || value === undefined) {
        fields[name] = value;
        continue;
      }
      if (cls === 'FREE_TEXT') {
        if (this.policy.FREE_TEXT === 'drop') {
          counts.FREE_TEXT = (counts.FREE_TEXT ?? 0) + 1;
          continue;
        }
        fields[name] = this.redactDeep(value, knownNames, counts, vault);
        continue;
      }
      const action = this.policy[cls];
      if (action === 'allow') {
        fields[name] = neutralizeDeep(value);
        continue;
      }
      counts[cls] = (counts[cls] ?? 0) + 1;
      if (action === 'drop' || (typeof value === 'object' && action !== 'hash')) continue;
      fields[name] = this.apply(action, cls, typeof value === 'string' ? value : JSON.stringify(value), vault);
    }
    return { record: { object: record.object, id: record.id, fields }, counts, vaultEntries: [...vault.values()] };
  }

  redactText(text: string, knownNames: readonly string[] = []): { text: string; entities: Entity[]; vaultEntries: VaultEntry[] } {
    const vault = new Map<string, VaultEntry>();
    const { text: out, entities } = this.redactString(text, knownNames, vault);
    return { text: out, entities, vaultEntries: [...vault.values()] };
  }

  private redactDeep(value: unknown, knownNames: readonly string[], counts: Record<string, number>, vault: Map<string, VaultEntry>): unknown {
    if (typeof value === 'string') {
      const { text, entities } = this.redactString(value, knownNames, vault);
      for (const e of entities) counts[e.type] = (counts[e.type] ?? 0) + 1;
      return text;
    }
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v, knownNames, counts, vault));
    if (value !== null && typeof value === 'object') {
      return mapValues(value, (v) => this.redactDeep(v, knownNames, counts, vault));
    }
    return value;
  }

  private redactString(input: string, knownNames: readonly string[], vault: Map<string, VaultEntry>): { text: string; entities: Entity[] } {
    const text = neutralizePlaceholders(input);
    const found = findEntities(text, { knownNames });
    if (found.length === 0) {
      noteCleanText(text);
      return { text, entities: found };
    }
    const entities = found.filter((e) => this.textPolicy[e.type] !== 'allow');
    let out = '';
    let at = 0;
    for (const e of entities) {
      const action = this.textPolicy[e.type];
      // The vault keeps the original value; only the text around entities is neutralised.
      out += text.slice(at, e.start) + (action === 'drop' ? `[${e.type}]` : this.apply(action, e.type, input.slice(e.start, e.end), vault));
      at = e.end;
    }
    return { text: out + text.slice(at), entities };
  }

  private apply(action: RedactionAction, kind: FieldClass | EntityType, value: string, vault: Map<string, VaultEntry>): string {
    switch (action) {
      case 'allow':
        return value;
      case 'mask':
        // Masked as the agent reads it: "4111&nbsp;1111…" keeps its last digits, not pieces of the markup.
        return mask(kind, neutralizePlaceholders(viewOf(value).text));
      case 'hash':
        return `hmac:${createHmac('sha256', this.opts.hmacKey).update(value, 'utf8').digest('hex')}`;
      case 'drop':
        return `[${label(kind)}]`;
      case 'tokenize': {
        const key = `${label(kind)}\u0000${value}`;
        let placeholder = this.byValue.get(key);
        if (!placeholder) {
          const n = (this.counters.get(label(kind)) ?? 0) + 1;
          this.counters.set(label(kind), n);
          placeholder = `{${label(kind)}_${n}}`;
          this.byValue.set(key, placeholder);
          notePlaceholder(placeholder);
        }
        vault.set(placeholder, { placeholder, value });
        return placeholder;
      }
    }
  }
}

export interface GuardAllowance {
  /** Entity types policy lets through in clear (e.g. EMAIL for an agent allowed to see emails). */
  readonly types?: readonly EntityType[];
  /** Exact values policy lets through. */
  readonly values?: readonly string[];
}

/**
 * Last line before the agent: re-scan every string of the outgoing JSON; detectable PII that
 * policy did not allow is replaced by `[TYPE]` and counted (the counts go to the audit event).
 * What the redactor produced and found clean is not scanned again, and a string repeated in
 * the JSON (picklist values, placeholders) is scanned once.
 */
export function outputGuard(json: unknown, allowed: GuardAllowance = {}): { value: unknown; hits: Record<string, number> } {
  const hits: Record<string, number> = {};
  const types = new Set(allowed.types ?? []);
  const values = new Set(allowed.values ?? []);
  const seen = new Map<string, { out: string; found: EntityType[] }>();
  const scan = (s: string): string => {
    if (cleanPlaceholders.has(s) || cleanText.has(s)) return s;
    let done = seen.get(s);
    if (done === undefined) {
      let out = '';
      let at = 0;
      const found: EntityType[] = [];
      for (const e of findEntities(s)) {
        if (types.has(e.type) || values.has(e.value)) continue;
        found.push(e.type);
        out += s.slice(at, e.start) + `[${e.type}]`;
        at = e.end;
      }
      done = { out: out + s.slice(at), found };
      seen.set(s, done);
    }
    for (const t of done.found) hits[t] = (hits[t] ?? 0) + 1;
    return done.out;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 64) throw new BridgeError('VALIDATION_FAILED', 'Response nests deeper than 64 levels');
    if (typeof v === 'string') return scan(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v !== null && typeof v === 'object') return mapValues(v, (x) => walk(x, depth + 1));
    return v;
  };
  try {
    return { value: walk(json, 0), hits };
  } finally {
    dropCleanText();
  }
}
