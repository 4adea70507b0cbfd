import { CairnError } from '../errors.js';
import { parseIntotoDate } from '../encoding/index.js';
import { publicKeyFromDict, type PublicKey } from '../crypto/index.js';
import { LayoutSchema, parseWith, type Layout } from '../schema/index.js';
import { parseRules } from '../rules/index.js';
import { loadLayoutCAs, type LayoutCAs } from './certs.js';

// A layout as the engine uses it: the typed view of the signed body, its functionary keys
// (each keyid checked against its key), its ITE-7 certificate authorities, and every rule
// parsed once so that a malformed layout is refused before anything runs (in-toto 1.3.1
// validates rules, names and dates when it loads a layout).
// Spec: https://github.com/in-toto/docs/blob/master/in-toto-spec.md#43-file-formats-layout

/** A parsed, validated layout. */
export interface ParsedLayout {
  readonly layout: Layout;
  /** The layout's `keys`, by the keyid the layout gives them. */
  readonly keys: ReadonlyMap<string, PublicKey>;
  readonly cas: LayoutCAs;
  readonly expires: Date;
}

/** Parses `YYYY-MM-DDTHH:MM:SSZ` (the only form in-toto writes), rejecting impossible dates. */
export function parseExpires(s: string, where?: string): Date {
  return parseIntotoDate(s, where);
}

/** Formats a date as in-toto's `expires`. */
export function formatExpires(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** Loads every functionary key; a keyid that does not denote its key is an error. */
export function layoutKeys(layout: Layout, where?: string): Map<string, PublicKey> {
  const keys = new Map<string, PublicKey>();
  for (const [id, dict] of Object.entries(layout.keys)) {
    const at = `${where ? `${where}: ` : ''}keys.${id.slice(0, 16)}`;
    const key = publicKeyFromDict(dict, at);
    if (!key.keyIds.has(id)) throw new CairnError('KEY_INVALID', 'the keyid does not match the key it names', { where: at });
    keys.set(id, key);
  }
  return keys;
}

/** Parses and validates a layout body (already checked to be signed or about to be). */
export function parseLayout(body: Record<string, unknown>, where?: string): ParsedLayout {
  if (body['_type'] !== 'layout') {
    throw new CairnError('SCHEMA_INVALID', `not a layout (_type is ${JSON.stringify(body['_type'])})`, { where });
  }
  const layout = parseWith(LayoutSchema, body, where);
  const seen = new Set<string>();
  const items = [...layout.steps.map((s, i) => ({ s, at: `steps[${i}]` })), ...layout.inspect.map((s, i) => ({ s, at: `inspect[${i}]` }))];
  for (const { s, at } of items) {
    const loc = `${where ? `${where}: ` : ''}${at}`;
    if (seen.has(s.name)) throw new CairnError('SCHEMA_INVALID', `name ${JSON.stringify(s.name)} is used twice (step and inspection names must be unique)`, { where: loc });
    seen.add(s.name);
    parseRules(s.expected_materials, `${loc}.expected_materials`);
    parseRules(s.expected_products, `${loc}.expected_products`);
  }
  return { layout, keys: layoutKeys(layout, where), cas: loadLayoutCAs(layout, where), expires: parseExpires(layout.expires, where) };
}
