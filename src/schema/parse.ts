import type { z } from 'zod';
import { ValidationError, type Issue } from '../errors.js';

// Every document from outside (files, registry blobs, envelopes) passes a zod schema before
// Cairn uses it. A failure becomes one ValidationError naming the document and the JSON path.

/** Formats a zod path as `steps[2].expected_materials[0]`. */
export function dotPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: dotPath(i.path), message: i.message }));
}

/** Parses `value` with `schema`, or throws ValidationError located at `where`. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(issuesOf(result.error), { where });
}
