import fc from 'fast-check';
import { CLOUD_PROVIDERS } from '@stratus/db';
import { COMPARISON_OPERATORS, NUMBER_COLUMNS, TEXT_COLUMNS, type Condition, type MatchExpression, type TextField, type TextValue } from './ast.ts';
import type { MatchRow } from './evaluate.ts';

/**
 * Random trees and rows drawn from one small vocabulary, so that random conditions often hold:
 * values with spaces, quotes, backslashes, LIKE's own % and _, keywords, and names of fields.
 */
const WORDS = ['dev', 'prod', 'vm', 'disk', 'eu-west-1', 'a b', 'AND', 'type', 'tag:x', '"q"', 'back\\slash', '50%', 'a_b', 'é', 'x*y', ''];
const KEYS = ['env', 'team', 'Name', 'a b', 'type', 'tag:x', 'k*', 'and', 'aws:cloudformation:stack-name'];
const NUMBERS = ['0', '100', '-1', '5.5', '100.000001', '99.999999'];
const PIECES = ['', 'd', 'e', 'eu-', 'v', '%', '_', '\\', ' '];

const word = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }).filter((text) => !text.includes('\0')) });
const key = fc.constantFrom(...KEYS);

const textValue: fc.Arbitrary<TextValue> = fc.oneof(
  { weight: 3, arbitrary: word.map((text) => ({ kind: 'text' as const, text })) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...PIECES), { minLength: 2, maxLength: 3 }).map((parts) => ({ kind: 'pattern' as const, parts })) },
);
const providerValue: fc.Arbitrary<TextValue> = fc.oneof(
  fc.constantFrom(...CLOUD_PROVIDERS).map((text) => ({ kind: 'text' as const, text })),
  fc.constantFrom(['A', ''], ['', 'P'], ['G', 'P']).map((parts) => ({ kind: 'pattern' as const, parts: [...parts] })),
);

const textField: fc.Arbitrary<TextField> = fc.oneof(
  fc.constantFrom(...TEXT_COLUMNS).map((name) => ({ kind: 'column' as const, name })),
  key.map((tag) => ({ kind: 'tag' as const, key: tag })),
);
const valueFor = (field: TextField) => (field.kind === 'column' && field.name === 'provider' ? providerValue : textValue);

const condition: fc.Arbitrary<Condition> = fc.oneof(
  textField.chain((field) => fc.record({ kind: fc.constant('compare' as const), field: fc.constant(field), op: fc.constantFrom('=' as const, '!=' as const), value: valueFor(field) })),
  textField.chain((field) => fc.record({ kind: fc.constant('in' as const), field: fc.constant(field), values: fc.array(valueFor(field), { minLength: 1, maxLength: 3 }) })),
  fc.record({
    kind: fc.constant('compare_number' as const),
    field: fc.constantFrom(...NUMBER_COLUMNS).map((name) => ({ kind: 'column' as const, name })),
    op: fc.constantFrom(...COMPARISON_OPERATORS),
    value: fc.constantFrom(...NUMBERS).map((text) => ({ kind: 'number' as const, text })),
  }),
  key.map((tag) => ({ kind: 'exists' as const, tag })),
);

export const matchExpression: fc.Arbitrary<MatchExpression> = fc.letrec<{ expression: MatchExpression }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    condition,
    fc.record({ kind: fc.constant('not' as const), operand: tie('expression') }),
    fc.record({ kind: fc.constant('and' as const), left: tie('expression'), right: tie('expression') }),
    fc.record({ kind: fc.constant('or' as const), left: tie('expression'), right: tie('expression') }),
  ),
})).expression;

export const ACCOUNTS = [
  { account_id: '111111111111', name: 'dev' },
  { account_id: 'prod-project', name: 'a b' },
  { account_id: 'eu-west-1', name: 'vm' },
];

/** A resource without its account's id (the database assigns it): which of ACCOUNTS it is in. */
export type RandomResource = Omit<MatchRow, 'account'> & { account: number };

const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null, freq: 4 });

export const randomResource: fc.Arbitrary<RandomResource> = fc.record({
  name: nullable(word),
  type: fc.constantFrom('vm', 'disk', 'a b', 'type'),
  provider: fc.constantFrom(...CLOUD_PROVIDERS),
  region: nullable(word),
  zone: nullable(word),
  state: nullable(fc.constantFrom('running', 'stopped', 'dev')),
  tags: fc.dictionary(key, word, { maxKeys: 4 }),
  cost_monthly: fc.constantFrom(...NUMBERS).map((text) => Number(text).toFixed(6)),
  cost_daily: fc.constantFrom(...NUMBERS).map((text) => Number(text).toFixed(6)),
  account: fc.nat({ max: ACCOUNTS.length - 1 }),
});
