import type { ArtifactIndex } from './engine.js';

// The artifact queue of one rule list: the paths of the item's materials or products that no
// rule has consumed yet, in the item's order (Python keeps a list and filters it). It starts as
// a view of the index and becomes a Set of its own only when a rule consumes part of it; a rule
// that consumes everything empties it at once. The usual lists (MATCH everything from the step
// before, then DISALLOW *) thus never copy or delete 10k+ paths one by one.

/** The paths still queued. */
export class ArtifactQueue {
  private rest: Set<string> | undefined;
  private empty = false;

  constructor(readonly source: ArtifactIndex) {}

  get size(): number {
    return this.empty ? 0 : (this.rest ?? this.source).size;
  }

  /** True while nothing was consumed: the queue is the whole index. */
  get whole(): boolean {
    return !this.empty && this.rest === undefined;
  }

  has(path: string): boolean {
    return !this.empty && (this.rest ?? this.source).has(path);
  }

  /** The queued paths, in order. */
  paths(): Iterable<string> {
    return this.empty ? [] : (this.rest ?? this.source.keys());
  }

  /** Takes one path out; false if it was not queued. */
  delete(path: string): boolean {
    if (this.empty) return false;
    this.rest ??= new Set(this.source.keys());
    return this.rest.delete(path);
  }

  /** Takes every path out. */
  clear(): void {
    this.empty = true;
    this.rest = undefined;
  }
}
