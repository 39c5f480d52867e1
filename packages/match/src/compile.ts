import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '@stratus/db';
import type { Condition, MatchExpression, TextField, TextValue } from './ast.ts';

export type ResourcesBuilder = ExpressionBuilder<Database, 'resources'>;
/** A where-expression over `resources`: `db.selectFrom('resources').where(compileMatch(tree))`. */
export type ResourceFilter = (eb: ResourcesBuilder) => Expression<SqlBool>;

/**
 * Compiles a tree to a parameterised where-expression: every value travels as a bind parameter,
 * LIKE patterns are escaped, and nothing of the text reaches the SQL.
 *
 * Shaped for the indexes: `tag=value` is jsonb containment (the GIN index on tags), `type=x` a
 * plain equality ((organization_id, type)). A condition on a missing value is NULL, which WHERE
 * already reads as false and AND/OR carry as false; only NOT would flip it, so NOT alone
 * coalesces NULL to false first. That gives the same two-valued logic as evaluateMatch
 * without wrapping the conditions the indexes must see.
 */
export function compileMatch(expression: MatchExpression): ResourceFilter {
  return (eb) => build(eb, expression);
}

function build(eb: ResourcesBuilder, expression: MatchExpression): Expression<SqlBool> {
  switch (expression.kind) {
    case 'or':
      return eb.or([build(eb, expression.left), build(eb, expression.right)]);
    case 'and':
      return eb.and([build(eb, expression.left), build(eb, expression.right)]);
    case 'not':
      return negate(eb, build(eb, expression.operand));
    default:
      return condition(eb, expression);
  }
}

function negate(eb: ResourcesBuilder, inner: Expression<SqlBool>): Expression<SqlBool> {
  return eb.not(eb.fn.coalesce(inner, sql<SqlBool>`false`));
}

function condition(eb: ResourcesBuilder, node: Condition): Expression<SqlBool> {
  switch (node.kind) {
    case 'exists':
      return sql<SqlBool>`${eb.ref('resources.tags')} ? ${node.tag}`;
    case 'in': {
      const texts = node.values.flatMap((value) => (value.kind === 'text' ? [value.text] : []));
      const patterns = node.values.filter((value) => value.kind === 'pattern');
      const listed = node.field.kind === 'column' && node.field.name !== 'account' && node.field.name !== 'resource_group' && texts.length > 0
        ? [eb(column(node.field.name), 'in', texts)]
        : texts.map((text) => equals(eb, node.field, { kind: 'text', text }));
      return eb.or([...listed, ...patterns.map((pattern) => equals(eb, node.field, pattern))]);
    }
    case 'compare_number':
      return eb(`resources.${node.field.name}`, node.op, node.value.text);
    case 'compare':
      return node.op === '=' ? equals(eb, node.field, node.value) : negate(eb, equals(eb, node.field, node.value));
  }
}

type PlainColumn = Exclude<Extract<TextField, { kind: 'column' }>['name'], 'account' | 'resource_group'>;

function column(name: PlainColumn) {
  return `resources.${name}` as const;
}

function equals(eb: ResourcesBuilder, field: TextField, value: TextValue): Expression<SqlBool> {
  if (field.kind === 'tag') {
    return value.kind === 'text'
      ? sql<SqlBool>`${eb.ref('resources.tags')} @> ${JSON.stringify({ [field.key]: value.text })}::jsonb`
      : sql<SqlBool>`${eb.ref('resources.tags')} ->> ${field.key} like ${likePattern(value.parts)}`;
  }
  if (field.name === 'account') {
    const accounts = eb
      .selectFrom('cloud_accounts')
      .select('cloud_accounts.id')
      .where((inner) => anyIs(inner, [inner.cast<string>('cloud_accounts.id', 'text'), inner.ref('cloud_accounts.account_id'), inner.ref('cloud_accounts.name')], value));
    return eb('resources.cloud_account_id', 'in', accounts);
  }
  if (field.name === 'resource_group') {
    const members = eb
      .selectFrom('resource_group_memberships')
      .innerJoin('resource_groups', 'resource_groups.id', 'resource_group_memberships.resource_group_id')
      .select('resource_group_memberships.resource_id')
      .where((inner) => anyIs(inner, [inner.cast<string>('resource_groups.id', 'text'), inner.ref('resource_groups.name')], value));
    return eb('resources.id', 'in', members);
  }
  if (value.kind === 'text') return eb(column(field.name), '=', value.text);
  // provider is an enum, which LIKE does not take.
  const target = field.name === 'provider' ? eb.cast<string>('resources.provider', 'text') : eb.ref(column(field.name));
  return eb(target, 'like', likePattern(value.parts));
}

/** Whether any of the names (an id, a cloud id, a name) is the value or fits its pattern. */
function anyIs<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, names: Expression<string>[], value: TextValue): Expression<SqlBool> {
  return eb.or(names.map((name) => (value.kind === 'text' ? eb(name, '=', value.text) : eb(name, 'like', likePattern(value.parts)))));
}

/** LIKE's own characters escaped (backslash is PostgreSQL's default LIKE escape), `*` as `%`. */
export function likePattern(parts: string[]): string {
  return parts.map((part) => part.replace(/[\\%_]/g, '\\$&')).join('%');
}
