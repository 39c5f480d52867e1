import type { Selectable } from 'kysely';
import { z } from 'zod';
import { TABLE_COLUMNS, type DatabaseTables, type TableName } from './tables/registry.ts';

type Nullability<T> = null extends T ? 'null' : 'not null';
type Row<Table extends TableName> = Selectable<DatabaseTables[Table]>;

/**
 * A field named after a column must agree with the column on null: the compiler answers a mismatch
 * with the column's nullability, e.g. `"status is not null in operations"`. Fields that are no
 * column of the table (computed, joined) are free.
 */
export type RowShape<Table extends TableName, Shape extends z.ZodRawShape> = {
  [Key in keyof Shape]: Key extends keyof Row<Table>
    ? Nullability<z.output<Shape[Key]>> extends Nullability<Row<Table>[Key]>
      ? Shape[Key]
      : `${Key & string} is ${Nullability<Row<Table>[Key]>} in ${Table}`
    : Shape[Key];
};

/** The OpenAPI extension naming the table a response object shows rows of. */
export const ROW_TABLE_KEY = 'x-stratus-table';

/**
 * A response schema for rows of a table, held to the table's types: each column's field is nullable
 * exactly when the column is. The table is named in the schema's metadata (and so in the OpenAPI
 * document), where a test of every route checks the same against the migrated columns.
 */
export function rowSchema<Table extends TableName, const Shape extends z.ZodRawShape>(table: Table, shape: Shape & RowShape<Table, Shape>) {
  return z.object(shape as Shape).meta({ [ROW_TABLE_KEY]: table });
}

type JsonSchema = { [key: string]: unknown };
const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether a JSON schema admits null; undefined when it says nothing about types (z.unknown()). */
function admitsNull(schema: JsonSchema, resolve: (ref: string) => JsonSchema | undefined): boolean | undefined {
  if (typeof schema.$ref === 'string') {
    const target = resolve(schema.$ref);
    return target && admitsNull(target, resolve);
  }
  if (schema.nullable === true || schema.type === 'null' || schema.const === null) return true;
  if (Array.isArray(schema.type)) return schema.type.includes('null');
  if (typeof schema.type === 'string') return false;
  const branches = [schema.anyOf, schema.oneOf].find(Array.isArray)?.filter(isSchema);
  if (branches) {
    const answers = branches.map((branch) => admitsNull(branch, resolve));
    return answers.some((answer) => answer === true) ? true : answers.every((answer) => answer === false) ? false : undefined;
  }
  return undefined;
}

/**
 * What is wrong with the row objects of an OpenAPI document's responses: an object with an `id`
 * that names no table (it must be a rowSchema), a table that does not exist, and every field whose
 * nullability differs from its column's in the table registry. Empty when all is well.
 */
export function rowSchemaProblems(
  document: unknown,
  columns: Readonly<Record<string, Readonly<Record<string, 'null' | 'not null'>>>> = TABLE_COLUMNS,
): string[] {
  const problems: string[] = [];
  const root = isSchema(document) ? document : {};
  const resolve = (ref: string) => {
    let node: unknown = root;
    for (const part of ref.replace(/^#\//, '').split('/')) node = isSchema(node) ? node[part] : undefined;
    return isSchema(node) ? node : undefined;
  };
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((item) => visit(item, where));
    if (!isSchema(node)) return;
    const properties = isSchema(node.properties) ? node.properties : undefined;
    if (properties) {
      const table = node[ROW_TABLE_KEY];
      if (typeof table !== 'string') {
        if ('id' in properties) problems.push(`${where}: an object with an id names no table (build it with rowSchema)`);
      } else if (!columns[table]) {
        problems.push(`${where}: ${table} is no table`);
      } else {
        for (const [field, schema] of Object.entries(properties)) {
          const column = columns[table][field];
          const nullable = column && isSchema(schema) ? admitsNull(schema, resolve) : undefined;
          if (nullable !== undefined && nullable !== (column === 'null')) {
            problems.push(`${where}: ${field} is ${nullable ? '' : 'not '}nullable, but ${table}.${field} is ${column}`);
          }
        }
      }
    }
    for (const value of Object.values(node)) visit(value, where);
  };
  const paths = isSchema(root.paths) ? root.paths : {};
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(isSchema(operations) ? operations : {})) {
      const responses = isSchema(operation) && isSchema(operation.responses) ? operation.responses : {};
      for (const [status, response] of Object.entries(responses)) visit(response, `${method.toUpperCase()} ${path} ${status}`);
    }
  }
  return problems;
}
