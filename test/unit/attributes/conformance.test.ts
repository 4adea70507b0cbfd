import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tests } from '@bufbuild/cel-spec/testdata/conformance.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { celEnvironment, compileRule } from '../../../src/attributes/cel.js';

// The CEL conformance suite (google/cel-spec v0.25.1 as packaged by @bufbuild/cel-spec), run
// against the engine as Cairn configures it (src/attributes/cel.ts: its limits, optional
// types, RE2 `matches`). Applicable cases only: sections about protobuf messages, enums,
// wrappers, extensions Cairn does not enable and type checking alone are left out, and so is
// any case that needs a message type, a container or a type value. Cases where the engine
// differs from the spec are listed by name in KNOWN below, each with the reason; the test
// fails if one of them starts passing (so the list shrinks) or if any other case fails.

const SECTIONS = ['basic', 'comparisons', 'conversions', 'fp_math', 'integer_math', 'lists', 'logic', 'macros', 'parse', 'plumbing', 'string', 'timestamps', 'fields', 'optionals'];

/**
 * Cases where the engine differs from the spec: section/suite/name -> what the engine does
 * (testdata/cel-conformance-known.json, written from a run and reviewed: none turns an error
 * or false into a pass over JSON evidence except the lossy big-number comparisons and the
 * unchecked int64 overflow, which docs/policy.md lists).
 */
const KNOWN = JSON.parse(readFileSync(join(REPO_ROOT, 'testdata', 'cel-conformance-known.json'), 'utf8')) as Record<string, string>;

type Json = any;

function fromValue(v: Json): unknown {
  if ('int64Value' in v) return BigInt(v.int64Value);
  if ('uint64Value' in v) return { uint: BigInt(v.uint64Value) };
  if ('doubleValue' in v) return typeof v.doubleValue === 'string' ? Number(v.doubleValue) : v.doubleValue;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('bytesValue' in v) return { bytes: Buffer.from(v.bytesValue, 'base64').toString('hex') };
  if ('nullValue' in v) return null;
  if ('listValue' in v) return (v.listValue.values ?? []).map(fromValue);
  if ('mapValue' in v) return new Map((v.mapValue.entries ?? []).map((e: Json) => [fromValue(e.key), fromValue(e.value)]));
  throw new Error(`unsupported value ${JSON.stringify(v)}`);
}

// Engine output in the same shape as fromValue's.
function normal(x: unknown): unknown {
  if (typeof x === 'bigint' || typeof x === 'string' || typeof x === 'boolean' || x === null || typeof x === 'number') return x;
  if (x instanceof Uint8Array) return { bytes: Buffer.from(x).toString('hex') };
  if (Array.isArray(x)) return x.map(normal);
  if (x instanceof Map) return new Map([...x].map(([k, v]) => [normal(k), normal(v)]));
  if (typeof x === 'object' && x !== null && x.constructor?.name === 'UnsignedInt') return { uint: (x as { value: bigint }).value };
  if (typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype) return new Map(Object.entries(x).map(([k, v]) => [k, normal(v)]));
  return { other: String(x) };
}

function toInput(v: unknown): unknown {
  if (v && typeof v === 'object' && 'uint' in v) return v; // not bound by any applicable case
  if (Array.isArray(v)) return v.map(toInput);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toInput(x)]));
  return v;
}

function applicable(t: Json): boolean {
  const s = JSON.stringify(t);
  if (t.container || t.checkOnly || t.typedResult) return false;
  if (/objectValue|typeValue|enumValue|messageType|TestAllTypes|google\.protobuf|abstractType/.test(s)) return false;
  if (t.value === undefined && t.evalError === undefined) return false;
  return true;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) ? Number.isNaN(b) : a === b;
  if (a instanceof Map && b instanceof Map) return a.size === b.size && [...a].every(([k, v]) => [...b].some(([k2, v2]) => same(k, k2) && same(v, v2)));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') return JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) === JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
  return a === b;
}

function run(t: Json): string | undefined {
  const bindings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t.bindings ?? {})) bindings[k] = toInput(fromValue((v as Json).value));
  const env = celEnvironment(Object.keys(bindings).map((name) => ({ name, type: 'dyn' })));
  let out: unknown;
  try {
    out = compileRule(env, t.expr, 'conformance').evaluate(bindings);
  } catch (err) {
    return t.evalError ? undefined : `error ${(err as Error).message.split('\n')[0]}`;
  }
  if (t.evalError) return `expected an error, got ${String(out)}`;
  const want = fromValue(t.value);
  return same(normal(out), want) ? undefined : `got ${String(out)}`;
}

describe('CEL conformance (applicable cases)', () => {
  const failures: Record<string, string> = {};
  let ran = 0;
  const walk = (suite: Json, path: string) => {
    for (const t of suite.tests ?? []) {
      const o = t.original;
      if (!applicable(o)) continue;
      ran++;
      const why = run(o);
      if (why !== undefined) failures[`${path}/${o.name}`] = why;
    }
    for (const s of suite.suites ?? []) walk(s, `${path}/${s.name}`);
  };
  for (const s of (tests as Json).suites) if (SECTIONS.includes(s.name)) walk(s, s.name);

  it('runs the applicable cases', () => {
    if (process.env['CAIRN_WRITE_CEL_KNOWN']) writeFileSync(join(REPO_ROOT, 'testdata', 'cel-conformance-known.json'), `${JSON.stringify(failures, null, 1)}\n`);
    assert.ok(ran > 800, `ran ${ran}`);
    if (process.env["CAIRN_WRITE_CEL_KNOWN"]) process.stderr.write(`ran ${ran}, ${Object.keys(failures).length} differ\n`);
    assert.ok(Object.keys(failures).length < ran / 5, `${Object.keys(failures).length} of ${ran} differ`);
  });

  it('passes every case but the known differences', () => {
    const unexpected = Object.keys(failures).filter((k) => !(k in KNOWN)).map((k) => `${k}: ${failures[k]}`);
    assert.deepEqual(unexpected, []);
  });

  it('still differs where the list says it does', () => {
    assert.deepEqual(Object.keys(KNOWN).filter((k) => !(k in failures)), []);
  });
});
