import { CairnError } from '../errors.js';

/** JSON.parse that reports a one-line SCHEMA_INVALID naming the source instead of a SyntaxError. */
export function parseJson(text: string | Uint8Array, where?: string): unknown {
  const s = typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  try {
    return JSON.parse(s);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new CairnError('SCHEMA_INVALID', `not valid JSON: ${msg}`, { where, cause: err });
  }
}

/** Pretty JSON with sorted keys, as in-toto 1.3.1 writes its metadata files. */
export function prettySortedJson(value: unknown): string {
  return JSON.stringify(sortDeep(value), null, 1) + '\n';
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortDeep((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
