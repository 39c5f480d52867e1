import { describe, expect, it } from 'vitest';
import { formatMatch, MatchSyntaxError, parseMatch } from './index.ts';

function syntaxError(text: string): MatchSyntaxError {
  try {
    parseMatch(text);
  } catch (error) {
    if (error instanceof MatchSyntaxError) return error;
    throw error;
  }
  throw new Error(`${text} parsed`);
}

describe('parseMatch', () => {
  it('parses the examples of the issue into trees with AND above OR and NOT above AND', () => {
    expect(parseMatch('env=dev AND type=vm AND NOT tag:keep')).toEqual({
      kind: 'and',
      left: {
        kind: 'and',
        left: { kind: 'compare', field: { kind: 'tag', key: 'env' }, op: '=', value: { kind: 'text', text: 'dev' } },
        right: { kind: 'compare', field: { kind: 'column', name: 'type' }, op: '=', value: { kind: 'text', text: 'vm' } },
      },
      right: { kind: 'not', operand: { kind: 'exists', tag: 'keep' } },
    });
    expect(parseMatch('provider IN (aws, GCP) and region=eu-*')).toEqual({
      kind: 'and',
      left: { kind: 'in', field: { kind: 'column', name: 'provider' }, values: [{ kind: 'text', text: 'AWS' }, { kind: 'text', text: 'GCP' }] },
      right: { kind: 'compare', field: { kind: 'column', name: 'region' }, op: '=', value: { kind: 'pattern', parts: ['eu-', ''] } },
    });
    expect(parseMatch('a=1 OR b=2 AND c=3')).toMatchObject({ kind: 'or', right: { kind: 'and' } });
    expect(parseMatch('cost_monthly > 100.5')).toEqual({ kind: 'compare_number', field: { kind: 'column', name: 'cost_monthly' }, op: '>', value: { kind: 'number', text: '100.5' } });
  });

  it('reads quoted keys and values, escapes, and upper-case tag names as tags', () => {
    expect(parseMatch('tag:"a b"="x \\"y\\" \\* *"')).toEqual({
      kind: 'compare',
      field: { kind: 'tag', key: 'a b' },
      op: '=',
      value: { kind: 'pattern', parts: ['x "y" * ', ''] },
    });
    expect(parseMatch('Name=web')).toMatchObject({ field: { kind: 'tag', key: 'Name' } });
    expect(parseMatch('tag:name=web')).toMatchObject({ field: { kind: 'tag', key: 'name' } });
    expect(parseMatch('aws:cloudformation:stack-name != "prod stack"')).toMatchObject({ field: { kind: 'tag', key: 'aws:cloudformation:stack-name' }, op: '!=' });
  });

  it('prints the canonical form: upper-case keywords, parentheses and quotes only where needed', () => {
    expect(formatMatch(parseMatch('(env=dev and (type=vm or type=disk)) and not (tag:keep)'))).toBe('env=dev AND (type=vm OR type=disk) AND NOT tag:keep'.replace(/=/g, ' = '));
    expect(formatMatch(parseMatch('a=1 or (b=2 or c=3)'))).toBe('a = 1 OR (b = 2 OR c = 3)');
    expect(formatMatch(parseMatch('tag:"a b" = "and"'))).toBe('tag:"a b" = "and"');
    expect(formatMatch(parseMatch('tag:type = "*"'))).toBe('tag:type = "*"');
  });

  it.each([
    ['env=', 4, "a value after '='", 'end of input', "at 4: expected a value after '=', found end of input"],
    ['env=dev AND type=', 17, "a value after '='", 'end of input', "at 17: expected a value after '=', found end of input"],
    ['env=dev type=vm', 8, 'AND, OR or end of input', "'type'", "at 8: expected AND, OR or end of input, found 'type'"],
    ['(env=dev', 8, "AND, OR or ')'", 'end of input', undefined],
    ['env dev', 4, "an operator (=, !=, >, >=, <, <=) or IN after 'env'", "'dev'", undefined],
    ['name > 3', 5, "'=', '!=' or IN after 'name' (only costs are ordered)", "'>'", undefined],
    ['cost_monthly > lots', 15, "a number after '>'", "'lots'", undefined],
    ['provider=oracle', 9, 'a provider (AWS, AZURE, GCP)', "'oracle'", undefined],
    ['env="dev', 8, 'a closing \'"\'', 'end of input', undefined],
    ['env ! dev', 4, "'!='", "'!'", undefined],
    ['AND env=dev', 0, "a condition (a field, a tag key, 'tag:<key>', NOT or '(')", "'AND'", undefined],
    ['type IN vm', 8, "'(' after IN", "'vm'", undefined],
    ['type IN (vm disk)', 12, "',' or ')' in the IN list", "'disk'", undefined],
    ['tag: "x"', 5, "a tag key right after 'tag:'", '\'"x"\'', undefined],
    ['env*=dev', 0, 'a field or tag key without a wildcard', "'env*'", undefined],
    ['env=dev AND $', 12, 'a condition, an operator or a value', "'$'", undefined],
  ])('%j fails at %i', (text, offset, expected, found, message) => {
    const error = syntaxError(text);
    expect({ offset: error.offset, expected: error.expected, found: error.found }).toEqual({ offset, expected, found });
    if (message) expect(error.message).toBe(message);
  });

  it('counts lines and columns from 1 for multi-line expressions', () => {
    const error = syntaxError('env=dev\nAND (type=vm\n  OR state=)');
    expect([error.offset, error.line, error.column]).toEqual([32, 3, 12]);
    expect(error.message).toBe("at 32 (line 3, column 12): expected a value after '=', found ')'");
  });
});
