/**
 * MCP tool input schemas derived from the API's zod schemas, so the API stays the one source of truth. Two
 * adjustments make the API schemas usable as tool schemas, both generic:
 * - a pipe that gates raw input before the real schema (e.g. the filter's nesting bound, checked before the
 *   recursive schema walks hostile input) would show as `{}`: its inner schema is published instead;
 * - agent hosts refuse `oneOf`/`anyOf` at a tool schema's root, so a discriminated union becomes one object whose
 *   discriminator is an enum and whose other properties list each branch's variant. The bridge (and the client
 *   before it) still validates with the exact schema, so an action paired with another action's params is refused
 *   with a precise message.
 */
import { z } from 'zod';
import type * as core from 'zod/v4/core';

export type JsonSchema = Record<string, unknown>;

/** Draft-07 is what the MCP SDK and most agent hosts validate with. */
const TARGET = 'draft-07';
const DEFS = 'definitions';

/**
 * Moves a standalone schema under `#/definitions/<name>`: its references to itself (`#`) and to its own
 * definitions (`#/definitions/X`, which move to `<name>.X`) follow it; references to shared definitions stay.
 */
function rebase(node: unknown, name: string, own: ReadonlySet<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => rebase(n, name, own));
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') {
      const local = v.startsWith(`#/${DEFS}/`) ? v.slice(DEFS.length + 3) : undefined;
      out[k] = v === '#' ? `#/${DEFS}/${name}` : local !== undefined && own.has(local) ? `#/${DEFS}/${name}.${local}` : v;
    } else {
      out[k] = rebase(v, name, own);
    }
  }
  return out;
}

function convert(schema: core.$ZodType, defs: JsonSchema): JsonSchema {
  return z.toJSONSchema(schema, {
    target: TARGET,
    io: 'input',
    override: ({ zodSchema, jsonSchema, path }) => {
      const def = zodSchema._zod.def;
      if (def.type !== 'pipe') return;
      const { in: gate, out } = def as core.$ZodPipeDef;
      if (gate._zod.def.type !== 'unknown') return;
      const base = String(path.filter((p) => typeof p === 'string' && p !== 'properties').at(-1) ?? 'input');
      let name = base;
      for (let i = 2; name in defs; i++) name = `${base}${i}`;
      defs[name] = {}; // reserves the name while the inner schema converts
      const { $schema: _, [DEFS]: innerDefs = {}, ...body } = convert(out, defs);
      const own = new Set(Object.keys(innerDefs as JsonSchema));
      defs[name] = rebase(body, name, own);
      for (const [k, v] of Object.entries(innerDefs as JsonSchema)) defs[`${name}.${k}`] = rebase(v, name, own);
      for (const k of Object.keys(jsonSchema)) delete (jsonSchema as JsonSchema)[k];
      (jsonSchema as JsonSchema).$ref = `#/${DEFS}/${name}`;
    },
  }) as JsonSchema;
}

/** One object for a union of objects: discriminators become enums, other properties the set of their variants. */
function flattenUnion(branches: JsonSchema[]): JsonSchema {
  const keys = [...new Set(branches.flatMap((b) => Object.keys((b.properties ?? {}) as JsonSchema)))];
  const properties: JsonSchema = {};
  for (const key of keys) {
    const variants = branches.map((b) => (b.properties as Record<string, JsonSchema> | undefined)?.[key]).filter((v): v is JsonSchema => v !== undefined);
    if (variants.every((v) => 'const' in v)) {
      properties[key] = { type: 'string', enum: variants.map((v) => v.const) };
      continue;
    }
    const distinct = [...new Map(variants.map((v) => [JSON.stringify(v), v])).values()];
    properties[key] = distinct.length === 1 ? distinct[0] : { anyOf: distinct };
  }
  const required = keys.filter((k) => branches.every((b) => ((b.required ?? []) as string[]).includes(k)));
  const closed = branches.every((b) => b.additionalProperties === false);
  return { type: 'object', properties, required, ...(closed ? { additionalProperties: false } : {}) };
}

/** The JSON Schema an MCP host sees for a tool whose arguments the given API schema validates. */
export function toolInputSchema(schema: core.$ZodType): JsonSchema {
  const defs: JsonSchema = {};
  const { $schema, [DEFS]: ownDefs, ...root } = convert(schema, defs);
  const branches = (root.oneOf ?? root.anyOf) as JsonSchema[] | undefined;
  const isObjectUnion = root.type === undefined && branches?.every((b) => b.type === 'object');
  if (root.type !== 'object' && !isObjectUnion) throw new Error('a tool input schema must describe an object');
  const body = isObjectUnion ? flattenUnion(branches as JsonSchema[]) : root;
  const allDefs = { ...(ownDefs as JsonSchema | undefined), ...defs };
  return { $schema, ...body, ...(Object.keys(allDefs).length > 0 ? { [DEFS]: allDefs } : {}) };
}
