import { LinkSchema, type Link } from './intoto.js';
import { parseWith } from './parse.js';

// Fast paths for the large documents verification reads: a link of 10k artifacts costs zod
// tens of milliseconds (an object per entry), a plain loop a fraction of that. Each function
// accepts exactly what its zod schema accepts: anything the loop does not recognise goes
// through the schema, which either parses it or throws its located error.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for `{path: {alg: string}}` (ArtifactsSchema). */
export function isArtifactMap(v: unknown): v is Record<string, Record<string, string>> {
  if (!isObj(v)) return false;
  for (const k in v) {
    const d = v[k];
    if (!isObj(d)) return false;
    for (const a in d) if (typeof d[a] !== 'string') return false;
  }
  return true;
}

/** True for an array of strings. */
export function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/** LinkSchema.parse, without zod's per-artifact cost when the link is well formed. */
export function parseLinkBody(value: unknown, where?: string): Link {
  if (
    isObj(value) && value['_type'] === 'link' && typeof value['name'] === 'string' &&
    (value['materials'] === undefined || isArtifactMap(value['materials'])) &&
    (value['products'] === undefined || isArtifactMap(value['products'])) &&
    (value['byproducts'] === undefined || isObj(value['byproducts'])) &&
    (value['command'] === undefined || isStringArray(value['command'])) &&
    (value['environment'] === undefined || isObj(value['environment']))
  ) {
    return {
      _type: 'link',
      name: value['name'],
      materials: (value['materials'] ?? {}) as Link['materials'],
      products: (value['products'] ?? {}) as Link['products'],
      byproducts: (value['byproducts'] ?? {}) as Link['byproducts'],
      command: (value['command'] ?? []) as string[],
      environment: (value['environment'] ?? {}) as Link['environment'],
    };
  }
  return parseWith(LinkSchema, value, where);
}
