/**
 * Tokens of the match language. A word runs over the characters a tag key, a region or an ARN is
 * made of (`aws:cloudformation:stack-name`, `eu-west-1`, `web-*`), so most values need no quotes.
 */
export type Token =
  | { kind: 'word'; text: string; offset: number; end: number }
  /** Pieces between unescaped `*`: `"a\*b*"` is ['a*b', '']. */
  | { kind: 'string'; parts: string[]; offset: number; end: number }
  | { kind: 'operator'; text: '=' | '!=' | '>' | '>=' | '<' | '<='; offset: number; end: number }
  | { kind: 'punct'; text: '(' | ')' | ','; offset: number; end: number }
  | { kind: 'end'; offset: number; end: number };

export const WORD_CHAR = /[A-Za-z0-9_.\-/@+:*]/;

export class MatchSyntaxError extends Error {
  override readonly name = 'MatchSyntaxError';
  /** 1-based, as editors count. */
  readonly line: number;
  readonly column: number;
  /** 0-based character offset into the expression. */
  readonly offset: number;
  readonly expected: string;
  readonly found: string;

  constructor(text: string, offset: number, expected: string, found: string) {
    const before = text.slice(0, offset).split('\n');
    const line = before.length;
    const column = before.at(-1)!.length + 1;
    const where = line > 1 ? `at ${offset} (line ${line}, column ${column})` : `at ${offset}`;
    super(`${where}: expected ${expected}, found ${found}`);
    this.line = line;
    this.column = column;
    this.offset = offset;
    this.expected = expected;
    this.found = found;
  }
}

/** How a token reads in an error message. */
export function describeToken(token: Token, text: string): string {
  if (token.kind === 'end') return 'end of input';
  return `'${text.slice(token.offset, token.end)}'`;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at]!;
    if (/\s/.test(char)) {
      at += 1;
      continue;
    }
    const start = at;
    if (char === '(' || char === ')' || char === ',') {
      tokens.push({ kind: 'punct', text: char, offset: start, end: at + 1 });
      at += 1;
    } else if (char === '=' || char === '>' || char === '<' || char === '!') {
      const two = text.slice(at, at + 2);
      if (two === '!=' || two === '>=' || two === '<=') {
        tokens.push({ kind: 'operator', text: two, offset: start, end: at + 2 });
        at += 2;
      } else if (char === '!') {
        throw new MatchSyntaxError(text, at, "'!='", `'!'`);
      } else {
        tokens.push({ kind: 'operator', text: char as '=' | '>' | '<', offset: start, end: at + 1 });
        at += 1;
      }
    } else if (char === '"') {
      at += 1;
      const parts = [''];
      for (;;) {
        if (at >= text.length) throw new MatchSyntaxError(text, at, "a closing '\"'", 'end of input');
        const c = text[at]!;
        if (c === '"') break;
        if (c === '\\') {
          const escaped = text[at + 1];
          if (escaped !== '"' && escaped !== '\\' && escaped !== '*') {
            throw new MatchSyntaxError(text, at, `'\\"', '\\\\' or '\\*'`, escaped === undefined ? 'end of input' : `'\\${escaped}'`);
          }
          parts[parts.length - 1] += escaped;
          at += 2;
        } else if (c === '*') {
          parts.push('');
          at += 1;
        } else {
          parts[parts.length - 1] += c;
          at += 1;
        }
      }
      at += 1;
      tokens.push({ kind: 'string', parts, offset: start, end: at });
    } else if (WORD_CHAR.test(char)) {
      while (at < text.length && WORD_CHAR.test(text[at]!)) at += 1;
      tokens.push({ kind: 'word', text: text.slice(start, at), offset: start, end: at });
    } else {
      throw new MatchSyntaxError(text, at, 'a condition, an operator or a value', `'${char}'`);
    }
  }
  tokens.push({ kind: 'end', offset: text.length, end: text.length });
  return tokens;
}
