import { isCairnError } from '../errors.js';
import { publicKeyFromDict } from '../crypto/index.js';
import { KeySchema, LayoutSchema, parseWith } from '../schema/index.js';
import { parseRule } from '../rules/index.js';
import { isCertificate } from '../verify/index.js';
import { parseExpires } from '../verify/index.js';
import { isImageInspection } from '../verify/index.js';

// `cairn layout check`: static validation of a layout, reporting every problem (not just the
// first) with the JSON path where it is: shape, dates, keys and their keyids, rule syntax,
// MATCH rules naming steps that do not exist, duplicate names, steps naming keys the layout
// does not have, thresholds no set of keys can meet. Warnings flag what verifies but is
// probably a mistake, or what in-toto-golang would refuse (it rejects unknown fields).

/** One problem found in a layout. */
export interface LayoutProblem {
  readonly severity: 'error' | 'warning';
  readonly path: string;
  readonly message: string;
}

const KNOWN: Record<string, readonly string[]> = {
  layout: ['_type', 'expires', 'readme', 'keys', 'steps', 'inspect', 'rootcas', 'intermediatecas'],
  step: ['_type', 'name', 'threshold', 'pubkeys', 'expected_command', 'expected_materials', 'expected_products', 'cert_constraints', 'expected_predicate_type', 'expected_attributes', 'certificate_identities'],
  inspection: ['_type', 'name', 'run', 'expected_materials', 'expected_products', 'expected_attributes'],
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Every problem in a layout body (the `signed` part or DSSE payload), errors first. */
export function checkLayout(body: unknown, now = new Date()): LayoutProblem[] {
  const out: LayoutProblem[] = [];
  const error = (path: string, message: string) => out.push({ severity: 'error', path, message });
  const warn = (path: string, message: string) => out.push({ severity: 'warning', path, message });
  const msg = (err: unknown) => (isCairnError(err) ? err.message : String(err));
  if (!isObj(body) || body['_type'] !== 'layout') {
    error('_type', 'not a layout (expected "_type": "layout")');
    return out;
  }
  try {
    parseWith(LayoutSchema, body);
  } catch (err) {
    for (const i of (err as { issues?: { path: string; message: string }[] }).issues ?? []) error(i.path, i.message);
  }
  for (const k of Object.keys(body)) if (!KNOWN.layout!.includes(k)) warn(k, 'unknown field (in-toto-golang rejects layouts with unknown fields)');
  if (typeof body['expires'] === 'string') {
    try {
      if (parseExpires(body['expires']) < now) warn('expires', `the layout expired at ${body['expires']}`);
    } catch (err) {
      error('expires', msg(err).replace(/^expires: /, ''));
    }
  }

  const keyIds = new Set<string>();
  for (const [id, dict] of Object.entries(isObj(body['keys']) ? body['keys'] : {})) {
    const path = `keys.${id}`;
    try {
      const key = publicKeyFromDict(parseWith(KeySchema, dict));
      if (!key.keyIds.has(id)) error(path, 'the keyid does not match the key it names');
      else keyIds.add(id);
    } catch (err) {
      error(path, msg(err));
    }
  }
  for (const field of ['rootcas', 'intermediatecas']) {
    for (const [id, dict] of Object.entries(isObj(body[field]) ? body[field] : {})) {
      const pem = isObj(dict) && isObj(dict['keyval']) ? dict['keyval']['certificate'] : undefined;
      if (!isCertificate(pem)) error(`${field}.${id}.keyval.certificate`, 'not a PEM X.509 certificate');
    }
  }

  const steps = arr(body['steps']).filter(isObj);
  const inspections = arr(body['inspect']).filter(isObj);
  const stepNames = new Set(steps.map((s) => s['name']));
  const inspectionNames = new Set(inspections.map((s) => s['name']));
  if (steps.length === 0) warn('steps', 'the layout has no steps');
  if (!inspections.some((i) => Array.isArray(i['run']) && isImageInspection({ run: i['run'] as string[] }))) {
    warn('inspect', 'no cairn:image inspection: `cairn verify IMAGE` refuses this layout unless counted evidence names the image digest (docs/policy.md)');
  }
  const seen = new Set<unknown>();
  const items = [
    ...steps.map((s, i) => ({ s, at: `steps[${i}]`, kind: 'step' as const })),
    ...inspections.map((s, i) => ({ s, at: `inspect[${i}]`, kind: 'inspection' as const })),
  ];
  for (const { s, at, kind } of items) {
    for (const k of Object.keys(s)) if (!KNOWN[kind]!.includes(k)) warn(`${at}.${k}`, 'unknown field (in-toto-golang rejects layouts with unknown fields)');
    if (kind === 'step' && 'expected_predicate_type' in s) warn(`${at}.expected_predicate_type`, 'a Cairn extension: in-toto 1.3.1 ignores it, in-toto-golang rejects it');
    // ITE-11 attribute rules: their shape here; their CEL in checkLayoutAttributes (attributes-phase.ts)
    if ('expected_attributes' in s) warn(`${at}.expected_attributes`, 'ITE-11 attribute rules: in-toto 1.3.1 drops them and then rejects the layout signature, in-toto-golang rejects the layout');
    if (seen.has(s['name'])) error(`${at}.name`, `name ${JSON.stringify(s['name'])} is used twice (step and inspection names must be unique)`);
    seen.add(s['name']);
    for (const field of ['expected_materials', 'expected_products']) {
      arr(s[field]).forEach((tokens, j) => {
        const path = `${at}.${field}[${j}]`;
        try {
          const rule = parseRule(tokens);
          if (rule.kind !== 'match') return;
          if (kind === 'step' && inspectionNames.has(rule.destName) && !stepNames.has(rule.destName)) {
            error(path, `MATCH ... FROM ${rule.destName}: step rules are checked before inspections run, so inspection ${JSON.stringify(rule.destName)} has no artifacts yet`);
          } else if (!stepNames.has(rule.destName) && !inspectionNames.has(rule.destName)) {
            error(path, `MATCH ... FROM ${JSON.stringify(rule.destName)}: no step or inspection has that name`);
          }
        } catch (err) {
          error(path, msg(err));
        }
      });
    }
    if (kind === 'inspection' && arr(s['run']).length === 0) error(`${at}.run`, 'an inspection needs a command (in-toto fails an inspection without one)');
    if (kind !== 'step') continue;
    const pubkeys = arr(s['pubkeys']).filter((k): k is string => typeof k === 'string');
    pubkeys.forEach((k, j) => {
      if (!isObj(body['keys']) || !(k in body['keys'])) error(`${at}.pubkeys[${j}]`, `key ${k.slice(0, 16)}… is not in the layout's keys`);
    });
    const usable = new Set(pubkeys.filter((k) => keyIds.has(k))).size;
    const threshold = s['threshold'] ?? 1;
    const certs = arr(s['cert_constraints']).length > 0 || arr(s['certificate_identities']).length > 0;
    if (typeof threshold === 'number' && threshold > usable && !certs) {
      error(`${at}.threshold`, `threshold ${threshold} cannot be met: the step authorises ${usable} usable key${usable === 1 ? '' : 's'}`);
    }
    if (certs && !isObj(body['rootcas'])) warn(`${at}.cert_constraints`, 'certificate constraints need rootcas in the layout');
  }
  return [...out.filter((p) => p.severity === 'error'), ...out.filter((p) => p.severity === 'warning')];
}
