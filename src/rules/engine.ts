import type { ArtifactMap } from '../intoto/index.js';
import { compileGlob } from './glob.js';
import type { Rule } from './rule.js';
import { ArtifactQueue } from './queue.js';

// The artifact-rule engine of in-toto's verifylib.verify_item_rules, reproduced rule for rule:
// the queue starts as the item's materials (or products); each rule consumes some of the queued
// paths; only DISALLOW (any queued path matches) and REQUIRE (the path is not queued) fail, and
// there is an implicit ALLOW * at the end. MATCH strips and re-joins prefixes with
// os.path.join and compares whole digest dicts, exactly as Python does, quirks included.
// Source: in-toto 1.3.1 in_toto/verifylib.py (verify_*_rule, verify_item_rules).

/** `{alg: hex}` of one artifact. */
export type DigestSet = Readonly<Record<string, string>>;
/**
 * An artifact's digests as an index keeps them: a string stands for the set `{sha256: <it>}`
 * (nearly every artifact: one string instead of an object per artifact, which halves what a
 * 100k-artifact link keeps alive and makes the index cheap to pass between threads); any other
 * set is kept as it is. Equality is the set's either way (sameDigests).
 */
export type Digests = string | DigestSet;
/** path -> digests, as a Map so that no path can collide with an object property. */
export type ArtifactIndex = ReadonlyMap<string, Digests>;

/** What the rules of one step or inspection see of a link. */
export interface ArtifactView {
  readonly materials: ArtifactIndex;
  readonly products: ArtifactIndex;
}

/** Which list a rule set runs over: expected_materials or expected_products. */
export type QueueType = 'materials' | 'products';

/** One rule as applied: the paths it took out of the queue. */
export interface AppliedRule {
  readonly index: number;
  readonly rule: string;
  readonly consumed: readonly string[];
}

/** Why a rule list failed. `match-source` is in-toto's KeyError on a mangled MATCH path. */
export interface RuleFailure {
  readonly index: number;
  readonly rule: string;
  readonly kind: 'disallow' | 'require' | 'match-source';
  readonly artifacts: readonly string[];
  readonly message: string;
}

/** The outcome of one rule list over one queue. */
export interface RulesOutcome {
  readonly ok: boolean;
  readonly queueType: QueueType;
  readonly queueSize: number;
  readonly applied: readonly AppliedRule[];
  /** Paths still queued after the last rule (the implicit ALLOW * takes them). */
  readonly remaining: number;
  readonly failure?: RuleFailure;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A digest set in the index's form: the sha256 value alone when that is all the set holds. */
export function compactDigests(d: DigestSet): Digests {
  let only: string | undefined;
  for (const k in d) {
    if (k !== 'sha256' || only !== undefined || !hasOwn.call(d, k)) return d;
    only = d[k];
  }
  return only ?? d;
}

/** The digest set an index entry stands for. */
export function expandDigests(d: Digests): DigestSet {
  return typeof d === 'string' ? { sha256: d } : d;
}

/** An ArtifactMap (as parsed from JSON) as an index. */
export function indexArtifacts(map: ArtifactMap): ArtifactIndex {
  const m = new Map<string, Digests>();
  for (const k of Object.keys(map)) m.set(k, compactDigests(map[k]!));
  return m;
}

/** An index as an ArtifactMap (a summary link's materials and products). */
export function artifactMapOf(index: ArtifactIndex): ArtifactMap {
  return Object.fromEntries(Array.from(index, ([k, d]) => [k, expandDigests(d) as Record<string, string>]));
}

/** Python dict equality of two digest sets: the same algorithms with the same values. */
export function sameDigests(a: Digests, b: Digests): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string') return false;
  const x = expandDigests(a);
  const y = expandDigests(b);
  let n = 0;
  for (const k in x) {
    if (x[k] !== y[k] || !hasOwn.call(y, k)) return false;
    n++;
  }
  for (const _ in y) n--;
  return n === 0;
}

// os.path.join(a, b) on POSIX for two components.
function joinPy(a: string, b: string): string {
  if (b.startsWith('/')) return b;
  if (a === '' || a.endsWith('/')) return a + b;
  return `${a}/${b}`;
}

const slash = (s: string) => s.replace(/\\/g, '/');

function listed(paths: readonly string[]): string {
  const sorted = [...paths].sort();
  const shown = sorted.slice(0, 5).join(', ');
  return sorted.length > 5 ? `${shown} and ${sorted.length - 5} more` : shown;
}

/** Applies one rule list to an item's materials or products; stops at the first failing rule. */
export function applyRules(
  rules: readonly Rule[],
  queueType: QueueType,
  item: ArtifactView,
  links: ReadonlyMap<string, ArtifactView>,
): RulesOutcome {
  const source = item[queueType];
  const queue = new ArtifactQueue(source);
  const queueSize = queue.size;
  const applied: AppliedRule[] = [];
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index]!;
    const fail = (kind: RuleFailure['kind'], artifacts: string[], message: string): RulesOutcome => ({
      ok: false, queueType, queueSize, applied, remaining: queue.size, failure: { index, rule: rule.text, kind, artifacts, message },
    });
    let taken: string[] = [];
    switch (rule.kind) {
      case 'match': {
        const r = matchRule(rule, queue, source, links);
        if (typeof r === 'string') return fail('match-source', [r], `${rule.text} cannot find source artifact ${JSON.stringify(r)} (in-toto fails here too)`);
        taken = r;
        break;
      }
      case 'disallow': {
        const hits = filterQueue(queue, rule.pattern);
        if (hits.length > 0) return fail('disallow', hits, `${rule.text} rejected ${listed(hits)}`);
        break;
      }
      case 'require':
        if (!queue.has(rule.path)) return fail('require', [rule.path], `${rule.text} did not find ${rule.path}`);
        break;
      case 'allow':
        taken = filterQueue(queue, rule.pattern);
        break;
      case 'create':
        taken = filterQueue(queue, rule.pattern).filter((p) => item.products.has(p) && !item.materials.has(p));
        break;
      case 'delete':
        taken = filterQueue(queue, rule.pattern).filter((p) => item.materials.has(p) && !item.products.has(p));
        break;
      case 'modify':
        taken = filterQueue(queue, rule.pattern).filter((p) => {
          const m = item.materials.get(p);
          const q = item.products.get(p);
          return m !== undefined && q !== undefined && !sameDigests(m, q);
        });
        break;
    }
    let consumed: string[];
    if (taken.length === queue.size && (rule.kind !== 'match' || !rule.sourcePrefix)) {
      // Every path taken came from the queue, each once (a MATCH re-joins a path that may not
      // be, but only with a source prefix): the rule took the whole queue. Deleting 10k+ paths
      // one by one makes the Set shrink and rehash again and again.
      consumed = taken;
      queue.clear();
    } else {
      consumed = taken.filter((p) => queue.delete(p));
    }
    applied.push({ index, rule: rule.text, consumed });
  }
  return { ok: true, queueType, queueSize, applied, remaining: queue.size };
}

function filterQueue(queue: ArtifactQueue, pattern: string): string[] {
  const m = compileGlob(pattern);
  const out: string[] = [];
  for (const p of queue.paths()) if (m(p)) out.push(p);
  return out;
}

// verify_match_rule: the source paths to consume, or the one source path Python would fail to
// look up (a KeyError there aborts in-toto's verification).
function matchRule(
  rule: Extract<Rule, { kind: 'match' }>,
  queue: ArtifactQueue,
  source: ArtifactIndex,
  links: ReadonlyMap<string, ArtifactView>,
): string[] | string {
  const dest = links.get(rule.destName);
  if (!dest) return [];
  const destArtifacts = dest[rule.destType];
  const m = compileGlob(rule.pattern);
  const out: string[] = [];
  if (!rule.sourcePrefix && queue.whole) {
    // every path of the index is queued: its entries give the digests without a lookup
    for (const [path, src] of source) {
      if (!m(path)) continue;
      const dst = destArtifacts.get(rule.destPrefix ? slash(joinPy(rule.destPrefix, path)) : path);
      if (dst !== undefined && sameDigests(src, dst)) out.push(path);
    }
    return out;
  }
  const prefix = rule.sourcePrefix ? slash(joinPy(rule.sourcePrefix, '')) : '';
  for (const queued of queue.paths()) {
    if (prefix && !queued.startsWith(prefix)) continue;
    const path = prefix ? queued.slice(prefix.length) : queued;
    if (!m(path)) continue;
    const full = rule.sourcePrefix ? slash(joinPy(rule.sourcePrefix, path)) : path;
    const src = source.get(full);
    if (src === undefined) return full;
    const destPath = rule.destPrefix ? slash(joinPy(rule.destPrefix, path)) : path;
    const dst = destArtifacts.get(destPath);
    if (dst !== undefined && sameDigests(src, dst)) out.push(full);
  }
  return out;
}
