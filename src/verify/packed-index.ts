import { createHash } from 'node:crypto';
import type { ArtifactIndex, Digests } from '../rules/index.js';

// How a link's artifacts cross from a worker thread, and how the main thread keeps them. A
// structured clone of a Map of 100k strings costs ~150 bytes per entry on the receiving side
// (every path and digest a string of its own) and a serializer buffer that grows by copying;
// packed, an index is one string and one Uint32Array, each copied once, with the SHA-256 of
// both made where it was packed. The main thread keeps one index per distinct list (in a
// MATCH chain a step's materials are the step before's products: one Map, not two) and
// unpacks a new list interning its strings, so that a path or digest that several lists name
// is kept once. Indexes are read-only (ArtifactIndex), so sharing one is safe. At 10 steps x
// 100k artifacts this took the peak RSS from ~1.0-1.1 GiB down (docs/bench.md).

/** An index as it crosses threads: names and sha256 values, alternating, concatenated. */
export type PackedIndex =
  /** `ends[2i]` ends the i-th name in `text`, `ends[2i+1]` its sha256 value; `key` hashes both. */
  | { readonly text: string; readonly ends: Uint32Array; readonly key: string }
  /** An index with other digest sets than sha256 alone: sent as it is (rare). */
  | { readonly map: ArtifactIndex };

/** Packs an index (in its order) for another thread. */
export function packIndex(index: ArtifactIndex): PackedIndex {
  const parts: string[] = [];
  const ends = new Uint32Array(index.size * 2);
  let at = 0;
  let i = 0;
  for (const [name, d] of index) {
    if (typeof d !== 'string') return { map: index };
    parts.push(name, d);
    ends[i++] = at += name.length;
    ends[i++] = at += d.length;
  }
  const text = parts.join('');
  // UTF-16 code units, not UTF-8: UTF-8 turns every lone surrogate (JSON may hold "\ud800")
  // into U+FFFD, and two lists that differ only there would get one key and one index
  const key = createHash('sha256').update(text, 'utf16le').update(ends).digest('hex');
  return { text, ends, key };
}

/**
 * The indexes of one verification (ExaminePool), each distinct list once, and their strings,
 * each once: it holds only what the verification keeps anyway.
 */
export class IndexStore {
  private readonly strings = new Map<string, string>();
  private readonly indexes = new Map<string, ArtifactIndex>();

  /** Equal strings as one string: the first one seen stands for every later one. */
  intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.strings.set(s, s);
    return s;
  }

  /** A packed index as an index again: one already made from the same list, or a new one. */
  unpack(p: PackedIndex): ArtifactIndex {
    if ('map' in p) return p.map;
    const known = this.indexes.get(p.key);
    if (known) return known;
    const { text, ends } = p;
    const m = new Map<string, Digests>();
    let start = 0;
    for (let i = 0; i < ends.length; i += 2) {
      const mid = ends[i]!;
      const end = ends[i + 1]!;
      m.set(this.intern(text.slice(start, mid)), this.intern(text.slice(mid, end)));
      start = end;
    }
    this.indexes.set(p.key, m);
    return m;
  }
}
