// What is wrong with a request, from zod's first issue, as the `params` of its 400: the web says it in
// the reader's language from these. Pure (jest requires it; zod only).
import type { z } from 'zod';
import type { MessageParams } from '../jobs/job.types';

/**
 * What is wrong with a request part, as `params` of its 400: `field` (a dotted path; absent for the
 * whole body), `problem`, and the limit or choices that go with it. The web says it from these.
 */
export type FieldProblem =
  | 'required' // absent (or null)
  | 'type' // `expected`: string, number, int, boolean, array, object …
  | 'too_small' // `minimum`, `origin`: string (characters), array (items), number (value)
  | 'too_big' // `maximum`, `origin`
  | 'format' // a pattern it does not match
  | 'one_of' // `values`: the choices, comma-separated
  | 'unknown_field' // `fields`: the names not taken, comma-separated
  | 'invalid'; // anything else (a rule across fields): the sentence says it

type Issue = z.core.$ZodIssue;

/** The zod issue as params: which field, what is wrong, and the limit. Pure. */
export function fieldProblemParams(issue: Issue, input: unknown): MessageParams {
  const field = issue.path.map(String).join('.');
  const what = problemOf(issue, input);
  return field ? { field, ...what } : what;
}

function problemOf(issue: Issue, input: unknown): MessageParams & { problem: FieldProblem } {
  switch (issue.code) {
    case 'invalid_type':
      return valueAt(input, issue.path) == null ? { problem: 'required' } : { problem: 'type', expected: String(issue.expected) };
    case 'too_small':
      return { problem: 'too_small', minimum: Number(issue.minimum), origin: String(issue.origin) };
    case 'too_big':
      return { problem: 'too_big', maximum: Number(issue.maximum), origin: String(issue.origin) };
    case 'invalid_format':
      return { problem: 'format' };
    case 'invalid_value':
      return { problem: 'one_of', values: issue.values.map(String).join(', ') };
    case 'unrecognized_keys':
      return { problem: 'unknown_field', fields: issue.keys.join(', ') };
    default:
      return { problem: 'invalid' };
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}
