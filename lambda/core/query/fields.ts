import type { Filter } from '../types';
import type { QueryRequest } from './schema';

/** Every field a query reveals something about: selected, filtered on, or sorted by. */
export function fieldsTouched(q: QueryRequest): string[] {
  const out = new Set(q.fields);
  const walk = (f: Filter) => {
    if ('and' in f) f.and.forEach(walk);
    else if ('or' in f) f.or.forEach(walk);
    else out.add(f.field);
  };
  if (q.where) walk(q.where);
  for (const o of q.orderBy ?? []) out.add(o.field);
  return [...out];
}
