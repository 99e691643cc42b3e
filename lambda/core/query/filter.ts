import type { Condition, Filter } from '../types';

/** Conjunction of two optional filters: how the policy's row filter joins the agent's own. */
export function andFilters(a?: Filter, b?: Filter): Filter | undefined {
  if (!a) return b;
  if (!b) return a;
  return { and: [a, b] };
}

export const isCondition = (f: Filter): f is Condition => 'field' in f;
