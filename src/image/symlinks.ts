import type { DirNode, LeafNode } from './nodes.js';

// Where a symlink of the flattened image leads, as a process in the container finds it: the
// image root is `/` (an absolute target starts there, and `..` at the root stays there, as in a
// chroot), each component is looked up in the tree, symlinks on the way are followed, and at
// most 40 are followed in one lookup (Linux MAXSYMLINKS, include/linux/namei.h; more is ELOOP).
// A symlink's result is kept, so each target is parsed once however many links go through it;
// only a lookup cut short by the 40-link budget of a caller is computed again.

/** One directory on a lookup path, from the root down. */
export interface Frame {
  dir: DirNode;
  name: string;
}

/** A symlink that leads to a regular file: the file's path and content hash. */
export interface SymlinkFile {
  path: string;
  sha256: string;
}

const MAX_LINKS = 40;

type Found = { kind: 'dir'; frames: Frame[] } | { kind: 'leaf'; node: LeafNode; path: string } | { kind: 'none' };
/** A lookup's end, the links it followed, and whether the link budget (not the tree) stopped it. */
interface Lookup {
  found: Found;
  links: number;
  cut: boolean;
}

const NONE: Found = { kind: 'none' };

export class SymlinkResolver {
  private readonly done = new Map<LeafNode, Lookup | 'busy'>();
  private readonly top: Frame;

  constructor(root: DirNode) {
    this.top = { dir: root, name: '' };
  }

  /** The regular file (file or hard link) a symlink found in the directory `at` leads to, if any. */
  fileOf(link: LeafNode, at: readonly Frame[]): SymlinkFile | undefined {
    const { found } = this.follow(link, at, MAX_LINKS);
    if (found.kind !== 'leaf' || (found.node.type !== 'file' && found.node.type !== 'hardlink')) return undefined;
    return { path: found.path, sha256: found.node.sha256! };
  }

  // Follows one symlink with `budget` links left (this one included).
  private follow(link: LeafNode, at: readonly Frame[], budget: number): Lookup {
    const known = this.done.get(link);
    if (known === 'busy') return { found: NONE, links: 0, cut: false }; // a loop: ELOOP
    if (known) return known;
    if (budget < 1) return { found: NONE, links: 0, cut: true };
    this.done.set(link, 'busy');
    const r = this.walk(link.linkname ?? '', at, budget - 1);
    const result: Lookup = { found: r.found, links: r.links + 1, cut: r.cut };
    // A cut under the full budget is this link's own ELOOP; under a caller's smaller one it is not.
    if (r.cut && budget < MAX_LINKS) this.done.delete(link);
    else this.done.set(link, result);
    return result;
  }

  private walk(target: string, from: readonly Frame[], budget: number): Lookup {
    if (target === '') return { found: NONE, links: 0, cut: false }; // ENOENT
    let at = target.startsWith('/') ? [this.top] : from.slice();
    const parts = target.split('/').filter((p) => p !== '' && p !== '.');
    const mustBeDir = target.endsWith('/') || target.endsWith('/.') || target.endsWith('/..');
    let links = 0;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === '..') {
        if (at.length > 1) at.pop();
        continue;
      }
      const next = at[at.length - 1]!.dir.children.get(part);
      if (next === undefined || next.type === 'whiteout') return { found: NONE, links, cut: false };
      if (next.type === 'dir') {
        at.push({ dir: next, name: part });
        continue;
      }
      const last = i === parts.length - 1 && !mustBeDir;
      if (next.type !== 'symlink') {
        if (!last) return { found: NONE, links, cut: false }; // ENOTDIR
        return { found: { kind: 'leaf', node: next, path: pathOf(at, part) }, links, cut: false };
      }
      const r = this.follow(next, at, budget - links);
      links += r.links;
      if (r.found.kind === 'none') return { found: NONE, links, cut: r.cut };
      if (links > budget) return { found: NONE, links, cut: true };
      if (r.found.kind === 'dir') at = r.found.frames.slice();
      else if (last) return { found: r.found, links, cut: false };
      else return { found: NONE, links, cut: false }; // ENOTDIR
    }
    return { found: { kind: 'dir', frames: at }, links, cut: false };
  }
}

function pathOf(at: readonly Frame[], name: string): string {
  let path = '';
  for (let i = 1; i < at.length; i++) path += `${at[i]!.name}/`;
  return path + name;
}
