/**
 * The syntax tree of a match expression. It carries no source positions, so a tree printed by
 * formatMatch and parsed again is deep-equal to the original (the property tests rely on it).
 */
export type MatchExpression =
  | { kind: 'or'; left: MatchExpression; right: MatchExpression }
  | { kind: 'and'; left: MatchExpression; right: MatchExpression }
  | { kind: 'not'; operand: MatchExpression }
  | Condition;

export type Condition =
  | { kind: 'compare'; field: TextField; op: EqualityOperator; value: TextValue }
  | { kind: 'compare_number'; field: NumberField; op: ComparisonOperator; value: NumberValue }
  | { kind: 'in'; field: TextField; values: TextValue[] }
  | { kind: 'exists'; tag: string };

/** Resource columns the language names; lower-case and exact, so `Name=x` is the AWS `Name` tag. */
export const TEXT_COLUMNS = ['name', 'type', 'provider', 'account', 'region', 'zone', 'state', 'resource_group'] as const;
export const NUMBER_COLUMNS = ['cost_monthly', 'cost_daily'] as const;
export type TextColumn = (typeof TEXT_COLUMNS)[number];
export type NumberColumn = (typeof NUMBER_COLUMNS)[number];

export type TextField = { kind: 'column'; name: TextColumn } | { kind: 'tag'; key: string };
export type NumberField = { kind: 'column'; name: NumberColumn };

export const EQUALITY_OPERATORS = ['=', '!='] as const;
export const COMPARISON_OPERATORS = ['=', '!=', '>', '>=', '<', '<='] as const;
export type EqualityOperator = (typeof EQUALITY_OPERATORS)[number];
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/**
 * A literal text, or a pattern: the literal pieces between its `*` wildcards (`web-*` is
 * ['web-', '']), so no escaping survives into the tree.
 */
export type TextValue = { kind: 'text'; text: string } | { kind: 'pattern'; parts: string[] };
/** A decimal as written (`100`, `-2.5`): compared exactly, never through a float. */
export type NumberValue = { kind: 'number'; text: string };

export const KEYWORDS = ['AND', 'OR', 'NOT', 'IN'] as const;

export function isTextColumn(name: string): name is TextColumn {
  return (TEXT_COLUMNS as readonly string[]).includes(name);
}

export function isNumberColumn(name: string): name is NumberColumn {
  return (NUMBER_COLUMNS as readonly string[]).includes(name);
}

export function isKeyword(word: string): boolean {
  return (KEYWORDS as readonly string[]).includes(word.toUpperCase());
}
