import { toUnits, type CloudProvider } from '@stratus/db';
import type { ComparisonOperator, Condition, MatchExpression, TextField, TextValue } from './ast.ts';

/** What a match reads of a resource: its columns, and the cloud account it belongs to. */
export interface MatchRow {
  name: string | null;
  type: string;
  provider: CloudProvider;
  region: string | null;
  zone: string | null;
  state: string | null;
  tags: Record<string, string>;
  /** numeric(20, 6) as PostgreSQL prints it. */
  cost_monthly: string;
  cost_daily: string;
  /** `account=x` matches the account's Stratus id, its cloud id or its name. */
  account: { id: string; account_id: string; name: string };
  /** `resource_group=x` matches the id or name of a group the resource is in; none when absent. */
  resource_groups?: { id: string; name: string }[];
}

/**
 * Evaluates in memory with the same two-valued logic compileMatch gives PostgreSQL: a condition
 * on a missing value (no such tag, a null region) is false, and `!=` is exactly NOT `=`.
 */
export function evaluateMatch(expression: MatchExpression, row: MatchRow): boolean {
  switch (expression.kind) {
    case 'or':
      return evaluateMatch(expression.left, row) || evaluateMatch(expression.right, row);
    case 'and':
      return evaluateMatch(expression.left, row) && evaluateMatch(expression.right, row);
    case 'not':
      return !evaluateMatch(expression.operand, row);
    default:
      return condition(expression, row);
  }
}

function condition(node: Condition, row: MatchRow): boolean {
  switch (node.kind) {
    case 'exists':
      return Object.hasOwn(row.tags, node.tag);
    case 'in':
      return node.values.some((value) => equals(node.field, value, row));
    case 'compare_number':
      return compare(toUnits(row[node.field.name]), node.op, toUnits(node.value.text));
    case 'compare':
      return node.op === '=' ? equals(node.field, node.value, row) : !equals(node.field, node.value, row);
  }
}

function compare(left: bigint, op: ComparisonOperator, right: bigint): boolean {
  switch (op) {
    case '=':
      return left === right;
    case '!=':
      return left !== right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '<':
      return left < right;
    case '<=':
      return left <= right;
  }
}

function equals(field: TextField, value: TextValue, row: MatchRow): boolean {
  const candidates = fieldValues(field, row);
  if (value.kind === 'text') return candidates.includes(value.text);
  const pattern = patternRegExp(value.parts);
  return candidates.some((candidate) => pattern.test(candidate));
}

function fieldValues(field: TextField, row: MatchRow): string[] {
  if (field.kind === 'tag') return Object.hasOwn(row.tags, field.key) ? [row.tags[field.key]!] : [];
  if (field.name === 'account') return [row.account.id, row.account.account_id, row.account.name];
  if (field.name === 'resource_group') return (row.resource_groups ?? []).flatMap((group) => [group.id, group.name]);
  const value = row[field.name];
  return value === null ? [] : [value];
}

function patternRegExp(parts: string[]): RegExp {
  // `s`: a wildcard spans newlines, as LIKE's % does.
  return new RegExp(`^${parts.map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'su');
}
