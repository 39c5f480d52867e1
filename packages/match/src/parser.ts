import { CLOUD_PROVIDERS } from '@stratus/db';
import {
  isKeyword,
  isNumberColumn,
  isTextColumn,
  type ComparisonOperator,
  type Condition,
  type MatchExpression,
  type NumberValue,
  type TextField,
  type TextValue,
} from './ast.ts';
import { describeToken, MatchSyntaxError, tokenize, type Token } from './lexer.ts';

/** The decimals cost columns are compared with: what @stratus/db's toUnits reads exactly. */
export const NUMBER = /^-?\d+(\.\d{1,24})?$/;
const TAG_PREFIX = 'tag:';

/**
 * Parses a match expression (grammar in the package README) by recursive descent.
 * Throws MatchSyntaxError with the offset, what was expected and what was found.
 */
export function parseMatch(text: string): MatchExpression {
  const parser = new Parser(text, tokenize(text));
  const expression = parser.or();
  parser.expectEnd();
  return expression;
}

class Parser {
  private at = 0;

  private readonly text: string;
  private readonly tokens: Token[];

  constructor(text: string, tokens: Token[]) {
    this.text = text;
    this.tokens = tokens;
  }

  private peek(): Token {
    return this.tokens[this.at]!;
  }

  private next(): Token {
    const token = this.tokens[this.at]!;
    if (token.kind !== 'end') this.at += 1;
    return token;
  }

  private fail(token: Token, expected: string): never {
    throw new MatchSyntaxError(this.text, token.offset, expected, describeToken(token, this.text));
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    if (token.kind === 'word' && token.text.toUpperCase() === word) {
      this.at += 1;
      return true;
    }
    return false;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'end') this.fail(token, 'AND, OR or end of input');
  }

  or(): MatchExpression {
    let left = this.and();
    while (this.keyword('OR')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): MatchExpression {
    let left = this.unary();
    while (this.keyword('AND')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): MatchExpression {
    if (this.keyword('NOT')) return { kind: 'not', operand: this.unary() };
    const token = this.peek();
    if (token.kind === 'punct' && token.text === '(') {
      this.next();
      const inner = this.or();
      const close = this.peek();
      if (close.kind !== 'punct' || close.text !== ')') this.fail(close, "AND, OR or ')'");
      this.next();
      return inner;
    }
    return this.condition();
  }

  private condition(): Condition {
    const start = this.peek();
    const field = this.field();
    const token = this.peek();
    const fieldText = this.text.slice(start.offset, this.tokens[this.at - 1]!.end);
    if (token.kind === 'word' && token.text.toUpperCase() === 'IN') {
      this.next();
      if (field.kind === 'number') this.fail(token, `'=', '!=', '>', '>=', '<' or '<=' after '${fieldText}'`);
      return { kind: 'in', field: field.field, values: this.list(field.field) };
    }
    if (token.kind !== 'operator') {
      if (field.kind === 'text' && field.field.kind === 'tag' && field.explicitTag) return { kind: 'exists', tag: field.field.key };
      this.fail(token, `an operator (=, !=, >, >=, <, <=) or IN after '${fieldText}'`);
    }
    this.next();
    if (field.kind === 'number') return { kind: 'compare_number', field: field.field, op: token.text, value: this.number(token.text) };
    if (token.text !== '=' && token.text !== '!=') this.fail(token, `'=', '!=' or IN after '${fieldText}' (only costs are ordered)`);
    return { kind: 'compare', field: field.field, op: token.text, value: this.value(field.field, `after '${token.text}'`) };
  }

  private field():
    | { kind: 'text'; field: TextField; explicitTag: boolean }
    | { kind: 'number'; field: { kind: 'column'; name: 'cost_monthly' | 'cost_daily' } } {
    const token = this.next();
    if (token.kind !== 'word' || isKeyword(token.text)) this.fail(token, "a condition (a field, a tag key, 'tag:<key>', NOT or '(')");
    if (token.text.startsWith(TAG_PREFIX)) {
      const key = token.text.slice(TAG_PREFIX.length);
      if (key !== '') {
        if (key.includes('*')) this.fail(token, "a tag key without a wildcard (quote it and write \\* for a literal '*')");
        return { kind: 'text', field: { kind: 'tag', key }, explicitTag: true };
      }
      const quoted = this.peek();
      if (quoted.kind !== 'string' || quoted.offset !== token.end || quoted.parts.join('') === '') this.fail(quoted, "a tag key right after 'tag:'");
      if (quoted.parts.length > 1) this.fail(quoted, "a tag key without a wildcard (write \\* for a literal '*')");
      this.next();
      return { kind: 'text', field: { kind: 'tag', key: quoted.parts[0]! }, explicitTag: true };
    }
    if (token.text.includes('*')) this.fail(token, 'a field or tag key without a wildcard');
    if (isNumberColumn(token.text)) return { kind: 'number', field: { kind: 'column', name: token.text } };
    if (isTextColumn(token.text)) return { kind: 'text', field: { kind: 'column', name: token.text }, explicitTag: false };
    return { kind: 'text', field: { kind: 'tag', key: token.text }, explicitTag: false };
  }

  private list(field: TextField): TextValue[] {
    const open = this.next();
    if (open.kind !== 'punct' || open.text !== '(') this.fail(open, "'(' after IN");
    const values = [this.value(field, "in the IN list")];
    for (;;) {
      const token = this.next();
      if (token.kind === 'punct' && token.text === ')') return values;
      if (token.kind !== 'punct' || token.text !== ',') this.fail(token, "',' or ')' in the IN list");
      values.push(this.value(field, "after ','"));
    }
  }

  private value(field: TextField, where: string): TextValue {
    const token = this.next();
    let value: TextValue;
    if (token.kind === 'word') {
      const parts = token.text.split('*');
      value = parts.length === 1 ? { kind: 'text', text: token.text } : { kind: 'pattern', parts };
    } else if (token.kind === 'string') {
      value = token.parts.length === 1 ? { kind: 'text', text: token.parts[0]! } : { kind: 'pattern', parts: token.parts };
    } else {
      this.fail(token, `a value ${where}`);
    }
    if (field.kind === 'column' && field.name === 'provider') {
      // The provider is an enum of upper-case names: `provider=aws` means AWS rather than nothing.
      if (value.kind === 'pattern') return { kind: 'pattern', parts: value.parts.map((part) => part.toUpperCase()) };
      const provider = value.text.toUpperCase();
      if (!(CLOUD_PROVIDERS as readonly string[]).includes(provider)) this.fail(token, `a provider (${CLOUD_PROVIDERS.join(', ')})`);
      return { kind: 'text', text: provider };
    }
    return value;
  }

  private number(operator: ComparisonOperator): NumberValue {
    const token = this.next();
    if (token.kind !== 'word' || !NUMBER.test(token.text)) this.fail(token, `a number after '${operator}'`);
    return { kind: 'number', text: token.text };
  }
}
