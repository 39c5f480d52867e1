import { z } from 'zod';

/**
 * The field schemas of request input, and the rules every request string, date and JSON value
 * obeys. Routes use text/day/jsonValue for their fields; buildServer applies the same rules to
 * whatever plain zod types a route declares instead (see hardenRequestSchema), so no input
 * reaches PostgreSQL as something it refuses (a NUL, a lone surrogate in jsonb, year 0000).
 */
export const LIMITS = {
  /** Characters of a string field that declares no maximum. */
  text: 2_000,
  /** Items of an array field that declares no maximum. */
  items: 1_000,
  /** Nesting of a free-form JSON value: objects and arrays within each other. */
  jsonDepth: 32,
  /** Characters of a string anywhere in a free-form JSON value. */
  jsonText: 10_000,
  /** Objects, arrays and scalars in one free-form JSON value. */
  jsonNodes: 10_000,
} as const;

/** Why PostgreSQL would refuse the text, or undefined when it takes it. */
export function textProblem(value: string): string | undefined {
  // PostgreSQL text cannot hold U+0000, and jsonb refuses it and unpaired surrogates escaped.
  if (value.includes('\u0000')) return 'must not contain a NUL character (\\u0000)';
  if (!value.isWellFormed()) return 'must be well-formed Unicode: it holds a lone UTF-16 surrogate';
  return undefined;
}

/** The check of every request string; a schema holding it is not checked twice. */
export const wellFormedText = z.superRefine<string>((value, ctx) => {
  const problem = textProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
});

/** A string field: at most `max` characters, none PostgreSQL refuses. */
export function text({ max = LIMITS.text, min = 0 }: { max?: number; min?: number } = {}) {
  return z.string().min(min).max(max).check(wellFormedText);
}

const FIRST_DAY = '1970-01-01';
const LAST_DAY = '9999-12-31';

/** The range check of every request date; ISO dates sort as text. */
export const dayInRange = z.superRefine<string>((value, ctx) => {
  if (value < FIRST_DAY || value > LAST_DAY) {
    ctx.addIssue({ code: 'custom', message: `must be a day from ${FIRST_DAY} to ${LAST_DAY}`, input: value });
  }
});

/**
 * A calendar day, YYYY-MM-DD, from 1970 on: zod's ISO date takes year 0000, which PostgreSQL
 * refuses, and a cost or budget before 1970 is a typo.
 */
export const day = z.iso.date({ error: 'must be a date, YYYY-MM-DD' }).check(dayInRange);

/** Why a JSON value is refused, with the path of the offending part; an empty list when it is taken. */
export function jsonProblems(root: unknown): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  // Iterative, depth-first: a value nested thousands deep must not overflow the stack on its way to a 400.
  const pending: { value: unknown; path: PropertyKey[] }[] = [{ value: root, path: [] }];
  let nodes = 0;
  while (pending.length > 0 && problems.length < 10) {
    const { value, path } = pending.pop()!;
    nodes += 1;
    if (nodes > LIMITS.jsonNodes) return [{ path: [], message: `holds more than ${LIMITS.jsonNodes} values` }];
    if (typeof value === 'string') {
      const problem = value.length > LIMITS.jsonText ? `is longer than ${LIMITS.jsonText} characters` : textProblem(value);
      if (problem) problems.push({ path, message: problem });
    } else if (value !== null && typeof value === 'object') {
      if (path.length >= LIMITS.jsonDepth) {
        problems.push({ path, message: `nests deeper than ${LIMITS.jsonDepth} levels` });
        continue;
      }
      for (const [key, item] of Object.entries(value)) {
        const problem = textProblem(key);
        if (problem) problems.push({ path: [...path, key], message: `key ${problem}` });
        else pending.push({ value: item, path: [...path, Array.isArray(value) ? Number(key) : key] });
      }
    }
  }
  return problems;
}

/** The check of every free-form JSON value of a request (credentials, settings, filters). */
export const wellFormedJson = z.superRefine<unknown>((value, ctx) => {
  for (const { path, message } of jsonProblems(value)) ctx.addIssue({ code: 'custom', path, message, input: value });
});

/** A free-form JSON value, bounded in depth, size and text as jsonb stores it. */
export const jsonValue = z.unknown().check(wellFormedJson);
