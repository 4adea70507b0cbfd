import { CairnError } from '../errors.js';
import type { Change } from './layer.js';
import type { ImageFile, ImageFileType } from './types.js';

// The flattened filesystem, built layer by layer as image-spec layer.md says: a layer's
// whiteouts and opaque markers act on the layers below it first (whatever their place in the
// archive), then its entries are applied in archive order, a later entry replacing an earlier
// one at the same path (the last duplicate wins, as extraction does). A directory over a
// directory only takes the new attributes; anything else replaces the path and what was below
// it. Symlinks are data, never followed: an entry, hard link or whiteout whose path goes through
// a symlink is UNSAFE_PATH (containerd would resolve it inside the root and act elsewhere than
// the name says). For a whiteout that means a symlink of a lower layer, or one this layer wrote
// earlier in the archive; a lower symlink that this layer replaced earlier is fine (a symlink
// turned into an opaque directory). Missing parents are created (mode 0755) as extraction does.
// Spec: https://github.com/opencontainers/image-spec/blob/main/layer.md#applying-changesets

interface DirNode {
  type: 'dir';
  mode: number;
  children: Map<string, Node>;
}
interface LeafNode {
  type: Exclude<ImageFileType, 'dir'>;
  mode: number;
  size: number;
  sha256?: string;
  linkname?: string;
}
type Node = DirNode | LeafNode;
type Add = Extract<Change, { op: 'add' }>;
type Marker = Extract<Change, { op: 'whiteout' | 'opaque' }>;

const newDir = (mode: number): DirNode => ({ type: 'dir', mode, children: new Map() });

/** The root filesystem of an image, as its layers are applied in order. */
export class FileTree {
  private readonly root = newDir(0o755);

  /** Applies one layer's changes; `digest` names the layer in errors. */
  applyLayer(changes: readonly Change[], digest: string): void {
    const where = `layer ${digest}`;
    let written: ((path: string, index: number) => Add | undefined) | undefined;
    changes.forEach((c, i) => {
      if (c.op === 'add') return;
      written ??= writtenBefore(changes);
      const parts = c.path === '' ? [] : c.path.split('/');
      const leaf = c.op === 'whiteout' ? parts.pop()! : undefined;
      const dir = this.lowerDir(parts, c, (p) => written!(p, i), where);
      if (dir && leaf !== undefined) dir.children.delete(leaf);
      else if (dir) dir.children.clear();
    });
    for (const c of changes) if (c.op === 'add') this.add(c, where);
  }

  /** Every path of the tree, sorted. */
  list(): ImageFile[] {
    const out: ImageFile[] = [];
    const walk = (dir: DirNode, prefix: string): void => {
      for (const [name, node] of dir.children) {
        const path = prefix + name;
        out.push(fileOf(path, node));
        if (node.type === 'dir') walk(node, `${path}/`);
      }
    };
    walk(this.root, '');
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  // The directory a marker acts on in the lower layers, if there is one. A runtime applies the
  // marker where it sits in the archive, so entries of this layer written before it count: a
  // symlink there would be followed (UNSAFE_PATH), anything else hides what was below.
  private lowerDir(parts: string[], c: Marker, addedBefore: (path: string) => Add | undefined, where: string): DirNode | undefined {
    let dir = this.root;
    let at = '';
    for (let i = 0; i < parts.length; i++) {
      at = i === 0 ? parts[0]! : `${at}/${parts[i]}`;
      const added = addedBefore(at);
      if (added?.type === 'symlink') throw throughSymlink(c.name, at, added.linkname, where);
      if (added && added.type !== 'dir') return undefined;
      const next = dir.children.get(parts[i]!);
      if (next === undefined) return undefined;
      if (next.type === 'dir') {
        dir = next;
        continue;
      }
      if (next.type === 'symlink' && !added) throw throughSymlink(c.name, at, next.linkname, where);
      return undefined; // a file, or a link this layer turned into a directory: nothing lower below it
    }
    return dir;
  }

  private add(c: Add, where: string): void {
    const parts = c.path.split('/');
    const name = parts.pop()!;
    const dir = this.parentOf(parts, c.name, where);
    if (c.type === 'dir') {
      const existing = dir.children.get(name);
      if (existing?.type === 'dir') existing.mode = c.mode;
      else dir.children.set(name, newDir(c.mode));
      return;
    }
    const node: LeafNode = c.type === 'hardlink' ? this.linked(c, where) : { type: c.type, mode: c.mode, size: c.size };
    if (c.sha256 !== undefined) node.sha256 = c.sha256;
    if (c.type === 'symlink') node.linkname = c.linkname;
    dir.children.set(name, node);
  }

  // The directory that will hold `parts`, created as needed; never through a symlink or a file.
  private parentOf(parts: string[], entry: string, where: string): DirNode {
    let dir = this.root;
    for (let i = 0; i < parts.length; i++) {
      let next = dir.children.get(parts[i]!);
      if (next === undefined) {
        next = newDir(0o755);
        dir.children.set(parts[i]!, next);
      } else if (next.type !== 'dir') {
        const at = parts.slice(0, i + 1).join('/');
        if (next.type === 'symlink') throw throughSymlink(entry, at, next.linkname, where);
        throw new CairnError('ARCHIVE_INVALID', `tar entry ${JSON.stringify(entry)} is below ${JSON.stringify(at)}, which is not a directory`, { where });
      }
      dir = next;
    }
    return dir;
  }

  // What a hard link names, as it is at this point of the layer stack (Linux link(2) semantics).
  private linked(c: Add, where: string): LeafNode {
    const target = c.linkname!;
    const what = `tar entry ${JSON.stringify(c.name)} is a hard link to ${JSON.stringify(target)}`;
    if (target === c.path) throw new CairnError('ARCHIVE_INVALID', `${what}, itself`, { where });
    const parts = target === '' ? [] : target.split('/');
    const name = parts.pop();
    let dir: DirNode | undefined = this.root;
    for (let i = 0; i < parts.length && dir; i++) {
      const next: Node | undefined = dir.children.get(parts[i]!);
      if (next?.type === 'symlink') throw throughSymlink(c.name, parts.slice(0, i + 1).join('/'), next.linkname, where);
      dir = next?.type === 'dir' ? next : undefined;
    }
    const node = name === undefined ? undefined : dir?.children.get(name);
    if (node === undefined) throw new CairnError('ARCHIVE_INVALID', `${what}, which does not exist`, { where });
    if (node.type === 'dir') throw new CairnError('ARCHIVE_INVALID', `${what}, a directory`, { where });
    if (node.type === 'file' || node.type === 'hardlink') {
      return { type: 'hardlink', mode: node.mode, size: node.size, sha256: node.sha256!, linkname: target };
    }
    return { ...node };
  }
}

// A lookup of the last entry a layer wrote at a path before a given change, as a runtime
// extracting in archive order has it (binary search: a path may repeat many times).
function writtenBefore(changes: readonly Change[]): (path: string, index: number) => Add | undefined {
  const byPath = new Map<string, { index: number; change: Add }[]>();
  changes.forEach((c, index) => {
    if (c.op !== 'add') return;
    const list = byPath.get(c.path);
    if (list) list.push({ index, change: c });
    else byPath.set(c.path, [{ index, change: c }]);
  });
  return (path, index) => {
    const list = byPath.get(path);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.index < index) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? list[lo - 1]!.change : undefined;
  };
}

function throughSymlink(entry: string, at: string, target: string | undefined, where: string): CairnError {
  return new CairnError('UNSAFE_PATH', `tar entry ${JSON.stringify(entry)} goes through the symlink ${JSON.stringify(at)} -> ${JSON.stringify(target ?? '')}`, { where });
}

function fileOf(path: string, node: Node): ImageFile {
  if (node.type === 'dir') return { path, type: 'dir', mode: node.mode, size: 0 };
  const out: ImageFile = { path, type: node.type, mode: node.mode, size: node.size };
  if (node.sha256 !== undefined) out.sha256 = node.sha256;
  if (node.linkname !== undefined) out.linkname = node.linkname;
  return out;
}
