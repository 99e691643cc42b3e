/**
 * A parser for the SOQL subset the bridge's builder emits:
 *   SELECT f, … FROM Object [WHERE expr] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n]
 * with =, !=, <, <=, >, >=, IN (…), LIKE, AND/OR/NOT, parentheses, and string, number,
 * boolean, null, date and dateTime literals. It parses the statement properly (lexer plus
 * recursive descent) and refuses anything else, as Salesforce's MALFORMED_QUERY would, so
 * tests can prove the builder's output is real SOQL with the intended structure.
 */
import type { Condition, Filter, OrderBy, Scalar } from '../../lambda/core/types';

export class SoqlSyntaxError extends Error {}

export type SoqlFilter = Filter | { readonly not: SoqlFilter } | LikeCondition;
export interface LikeCondition {
  readonly field: string;
  readonly op: 'like';
  readonly pattern: readonly LikePart[];
}
/** A LIKE pattern's parts: literal text, or the wildcards `%` (any run) and `_` (one character). */
export type LikePart = { readonly text: string } | { readonly wildcard: '%' | '_' };
export interface SoqlOrderBy extends OrderBy {
  readonly nulls: 'first' | 'last';
}
export interface SoqlQuery {
  readonly fields: string[];
  readonly object: string;
  readonly where?: SoqlFilter;
  readonly orderBy: SoqlOrderBy[];
  readonly limit?: number;
}

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; value: string; pattern: LikePart[] }
  | { kind: 'number'; value: number }
  | { kind: 'date'; value: string }
  | { kind: 'punct'; text: string };

const MAX_TOKENS = 20_000;
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2}))?/;
const NUMBER = /^-?\d+(\.\d+)?/;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;
const PUNCT = ['!=', '<=', '>=', '=', '<', '>', '(', ')', ','];
const STRING_ESCAPES: Record<string, string> = { n: '\n', N: '\n', r: '\r', R: '\r', t: '\t', T: '\t', b: '\b', B: '\b', f: '\f', F: '\f', '"': '"', "'": "'", '\\': '\\' };

function lexString(src: string, start: number): [Token, number] {
  let value = '';
  const pattern: { text?: string; wildcard?: '%' | '_' }[] = [];
  const literal = (s: string) => {
    value += s;
    const last = pattern[pattern.length - 1];
    if (last?.text !== undefined) last.text += s;
    else pattern.push({ text: s });
  };
  for (let i = start + 1; i < src.length; i++) {
    const ch = src[i];
    if (ch === "'") return [{ kind: 'string', value, pattern: pattern as LikePart[] }, i + 1];
    if (ch === '\\') {
      const next = src[++i];
      if (next === '%' || next === '_') literal(next);
      else if (next !== undefined && STRING_ESCAPES[next] !== undefined) literal(STRING_ESCAPES[next]);
      else throw new SoqlSyntaxError(`invalid escape sequence at ${i}`);
    } else if (ch === '%' || ch === '_') {
      value += ch;
      pattern.push({ wildcard: ch });
    } else {
      literal(ch);
    }
  }
  throw new SoqlSyntaxError('unterminated string literal');
}

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    if (tokens.length > MAX_TOKENS) throw new SoqlSyntaxError('statement too long');
    const rest = src.slice(i, i + 64);
    if (/^\s/.test(rest)) {
      i++;
      continue;
    }
    if (src[i] === "'") {
      const [tok, next] = lexString(src, i);
      tokens.push(tok);
      i = next;
      continue;
    }
    const date = DATE.exec(rest);
    if (date) {
      tokens.push({ kind: 'date', value: date[0] });
      i += date[0].length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num) {
      tokens.push({ kind: 'number', value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const word = WORD.exec(src.slice(i, i + 256));
    if (word) {
      tokens.push({ kind: 'word', text: word[0] });
      i += word[0].length;
      continue;
    }
    const punct = PUNCT.find((p) => src.startsWith(p, i));
    if (!punct) throw new SoqlSyntaxError(`unexpected character ${JSON.stringify(src[i])} at ${i}`);
    tokens.push({ kind: 'punct', text: punct });
    i += punct.length;
  }
  return tokens;
}

const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'ORDER', 'BY', 'LIMIT', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ASC', 'DESC', 'NULLS', 'FIRST', 'LAST', 'NULL', 'TRUE', 'FALSE']);
const COMPARATORS: Record<string, Condition['op']> = { '=': 'eq', '!=': 'ne', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private isKeyword(k: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.text.toUpperCase() === k;
  }
  private isPunct(p: string): boolean {
    const t = this.peek();
    return t?.kind === 'punct' && t.text === p;
  }
  private expectKeyword(k: string): void {
    if (!this.isKeyword(k)) throw new SoqlSyntaxError(`expected ${k} at token ${this.pos}`);
    this.pos++;
  }
  private expectPunct(p: string): void {
    if (!this.isPunct(p)) throw new SoqlSyntaxError(`expected "${p}" at token ${this.pos}`);
    this.pos++;
  }
  private identifier(): string {
    const t = this.peek();
    if (t?.kind !== 'word' || KEYWORDS.has(t.text.toUpperCase())) throw new SoqlSyntaxError(`expected an identifier at token ${this.pos}`);
    this.pos++;
    return t.text;
  }

  query(): SoqlQuery {
    this.expectKeyword('SELECT');
    const fields = [this.identifier()];
    while (this.isPunct(',')) {
      this.pos++;
      fields.push(this.identifier());
    }
    this.expectKeyword('FROM');
    const object = this.identifier();
    let where: SoqlFilter | undefined;
    if (this.isKeyword('WHERE')) {
      this.pos++;
      where = this.expression(0);
    }
    const orderBy: SoqlOrderBy[] = [];
    if (this.isKeyword('ORDER')) {
      this.pos++;
      this.expectKeyword('BY');
      do {
        if (orderBy.length > 0) this.pos++;
        orderBy.push(this.orderKey());
      } while (this.isPunct(','));
    }
    let limit: number | undefined;
    if (this.isKeyword('LIMIT')) {
      this.pos++;
      const t = this.peek();
      if (t?.kind !== 'number' || !Number.isInteger(t.value) || t.value < 0) throw new SoqlSyntaxError('LIMIT takes a non-negative integer');
      limit = t.value;
      this.pos++;
    }
    if (this.pos !== this.tokens.length) throw new SoqlSyntaxError(`unexpected token at ${this.pos}`);
    return { fields, object, ...(where ? { where } : {}), orderBy, ...(limit !== undefined ? { limit } : {}) };
  }

  private orderKey(): SoqlOrderBy {
    const field = this.identifier();
    let direction: 'asc' | 'desc' = 'asc';
    if (this.isKeyword('ASC') || this.isKeyword('DESC')) {
      direction = this.isKeyword('DESC') ? 'desc' : 'asc';
      this.pos++;
    }
    let nulls: 'first' | 'last' = direction === 'asc' ? 'first' : 'last';
    if (this.isKeyword('NULLS')) {
      this.pos++;
      if (this.isKeyword('FIRST')) nulls = 'first';
      else if (this.isKeyword('LAST')) nulls = 'last';
      else throw new SoqlSyntaxError('expected FIRST or LAST after NULLS');
      this.pos++;
    }
    return { field, direction, nulls };
  }

  /** AND and OR may not mix at one level without parentheses, as in Salesforce. */
  private expression(depth: number): SoqlFilter {
    if (depth > 64) throw new SoqlSyntaxError('expression nests too deeply');
    const first = this.unary(depth);
    const joiner = this.isKeyword('AND') ? 'AND' : this.isKeyword('OR') ? 'OR' : undefined;
    if (!joiner) return first;
    const parts = [first];
    while (this.isKeyword(joiner)) {
      this.pos++;
      parts.push(this.unary(depth));
    }
    if (this.isKeyword(joiner === 'AND' ? 'OR' : 'AND')) throw new SoqlSyntaxError('AND and OR must be separated by parentheses');
    return joiner === 'AND' ? { and: parts as Filter[] } : { or: parts as Filter[] };
  }

  private unary(depth: number): SoqlFilter {
    if (this.isKeyword('NOT')) {
      this.pos++;
      return { not: this.unary(depth + 1) };
    }
    if (this.isPunct('(')) {
      this.pos++;
      const inner = this.expression(depth + 1);
      this.expectPunct(')');
      return inner;
    }
    return this.condition();
  }

  private condition(): SoqlFilter {
    const field = this.identifier();
    if (this.isKeyword('LIKE')) {
      this.pos++;
      const t = this.peek();
      if (t?.kind !== 'string') throw new SoqlSyntaxError('LIKE takes a string literal');
      this.pos++;
      return { field, op: 'like', pattern: t.pattern };
    }
    if (this.isKeyword('IN')) {
      this.pos++;
      this.expectPunct('(');
      const values = [this.literal()];
      while (this.isPunct(',')) {
        this.pos++;
        values.push(this.literal());
      }
      this.expectPunct(')');
      return { field, op: 'in', value: values };
    }
    const t = this.peek();
    const op = t?.kind === 'punct' ? COMPARATORS[t.text] : undefined;
    if (!op) throw new SoqlSyntaxError(`expected an operator at token ${this.pos}`);
    this.pos++;
    return { field, op, value: this.literal() };
  }

  private literal(): Scalar {
    const t = this.peek();
    this.pos++;
    if (t?.kind === 'string') return t.value;
    if (t?.kind === 'number') return t.value;
    if (t?.kind === 'date') return t.value;
    if (t?.kind === 'word') {
      const k = t.text.toUpperCase();
      if (k === 'NULL') return null;
      if (k === 'TRUE') return true;
      if (k === 'FALSE') return false;
    }
    throw new SoqlSyntaxError(`expected a literal at token ${this.pos - 1}`);
  }
}

export function parseSoql(soql: string): SoqlQuery {
  return new Parser(tokenize(soql)).query();
}
