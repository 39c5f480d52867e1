import { isKeyword, isNumberColumn, isTextColumn, type Condition, type MatchExpression, type TextField, type TextValue } from './ast.ts';

const BARE = /^[A-Za-z0-9_.\-/@+:]+$/;
const PRECEDENCE = { or: 1, and: 2, not: 3, condition: 4 } as const;

/**
 * Prints a tree in the language's canonical form: upper-case keywords, quotes and parentheses only
 * where needed, so parseMatch(formatMatch(tree)) is deep-equal to tree.
 */
export function formatMatch(expression: MatchExpression): string {
  return format(expression, PRECEDENCE.or);
}

function format(expression: MatchExpression, needed: number): string {
  let own: number;
  let text: string;
  switch (expression.kind) {
    case 'or':
      own = PRECEDENCE.or;
      // Operators associate to the left: a right operand of the same operator keeps its parentheses.
      text = `${format(expression.left, PRECEDENCE.or)} OR ${format(expression.right, PRECEDENCE.and)}`;
      break;
    case 'and':
      own = PRECEDENCE.and;
      text = `${format(expression.left, PRECEDENCE.and)} AND ${format(expression.right, PRECEDENCE.not)}`;
      break;
    case 'not':
      own = PRECEDENCE.not;
      text = `NOT ${format(expression.operand, PRECEDENCE.not)}`;
      break;
    default:
      own = PRECEDENCE.condition;
      text = condition(expression);
  }
  return own < needed ? `(${text})` : text;
}

function condition(node: Condition): string {
  switch (node.kind) {
    case 'exists':
      return tagRef(node.tag);
    case 'in':
      return `${field(node.field)} IN (${node.values.map(value).join(', ')})`;
    case 'compare':
      return `${field(node.field)} ${node.op} ${value(node.value)}`;
    case 'compare_number':
      return `${node.field.name} ${node.op} ${node.value.text}`;
  }
}

function field(target: TextField): string {
  if (target.kind === 'column') return target.name;
  const bareKey = BARE.test(target.key) && !isKeyword(target.key) && !isTextColumn(target.key) && !isNumberColumn(target.key) && !target.key.startsWith('tag:');
  return bareKey ? target.key : tagRef(target.key);
}

function tagRef(key: string): string {
  return BARE.test(key) ? `tag:${key}` : `tag:${quote([key])}`;
}

function value(target: TextValue): string {
  const parts = target.kind === 'text' ? [target.text] : target.parts;
  const bare = parts.every((part) => BARE.test(part) || part === '') && parts.join('') !== '' && !isKeyword(parts.join('*'));
  return bare ? parts.join('*') : quote(parts);
}

function quote(parts: string[]): string {
  return `"${parts.map((part) => part.replace(/[\\"*]/g, (char) => `\\${char}`)).join('*')}"`;
}
