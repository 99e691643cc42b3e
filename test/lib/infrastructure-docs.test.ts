/** The config reference in the README must list exactly the schema's keys and defaults. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../../lib/config';
import { CfnJson, ROOT } from './bridge-fixtures';

type SchemaNode = Record<string, CfnJson>;

/** Leaf keys of the JSON Schema, records shown as <name> (or <ObjectType> for enum-keyed ones). */
function leaves(node: SchemaNode, path: string[], out: Map<string, unknown>): Map<string, unknown> {
  if (node.properties) {
    for (const [key, child] of Object.entries<SchemaNode>(node.properties)) if (key !== '$schema') leaves(child, [...path, key], out);
  } else if (node.oneOf) {
    for (const option of node.oneOf) leaves(option, path, out);
  } else if (node.type === 'object' && typeof node.additionalProperties === 'object') {
    leaves(node.additionalProperties, [...path, node.propertyNames?.enum ? '<ObjectType>' : '<name>'], out);
  } else if (!out.has(path.join('.'))) {
    out.set(path.join('.'), node.default);
  }
  return out;
}

function documented(): Map<string, string> {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = text.split('### Configuration reference')[1].split('###')[0];
  const rows = section.split('\n').filter((l) => /^\| `[^`]+` \|/.test(l));
  return new Map(rows.map((row) => {
    const [, key, def] = row.split('|').map((c) => c.trim());
    return [key.replace(/`/g, ''), def];
  }));
}

describe('infrastructure docs', () => {
  test('the configuration reference lists every schema key with its default, and nothing else', () => {
    // Prepare
    const schema = leaves(configJsonSchema(), [], new Map());

    // Act
    const docs = documented();

    // Assess
    expect([...docs.keys()].sort()).toEqual([...schema.keys()].sort());
    for (const [key, def] of schema) expect(docs.get(key)).toBe(def === undefined ? '—' : `\`${JSON.stringify(def)}\``);
  });
});
