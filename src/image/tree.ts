import { CairnError } from '../errors.js';
import type { Change } from './layer.js';
import { type DirNode, type LeafNode, type Node, type WhiteoutNode, newDir } from './nodes.js';
import { SymlinkResolver, type Frame } from './symlinks.js';
import type { ImageFile } from './types.js';

// The flattened filesystem, built as containerd's applier builds it (pkg/archive/tar.go,
// applyNaive), which is what Kubernetes runs: each layer's entries, whiteouts and opaque
// markers are applied in archive order. Where containerd's two appliers disagree (the native
// one works on the whole root, the overlayfs one, Kubernetes' default, extracts each layer into
// an empty upper directory: core/diff/apply/apply_linux.go) or umoci disagrees with both, the
// layer is refused instead of guessed. Each case is written down in docs/image.md:
// - an entry replaces what is at its path, except a directory over a directory, which only
//   takes the new mode; missing parents (of entries and of markers) are created with mode 0755;
// - a whiteout removes its path and everything below it; an opaque marker removes what lower
//   layers put below its directory and keeps what this layer wrote;
// - a hard link copies what its target is now, a target this layer wrote;
// - symlinks are data, never followed while applying: a path through one is UNSAFE_PATH.
// Spec: https://github.com/opencontainers/image-spec/blob/main/layer.md#applying-changesets

type Add = Extract<Change, { op: 'add' }>;
type Marker = Extract<Change, { op: 'whiteout' | 'opaque' }>;

/** The root filesystem of an image, as its layers are applied in order. */
export class FileTree {
  private readonly root = newDir(0o755, -1, -1);
  /** Index of the layer being applied. */
  private layer = -1;

  /** Applies one layer's changes; `digest` names the layer in errors. */
  applyLayer(changes: readonly Change[], digest: string): void {
    const where = `layer ${digest}`;
    this.layer += 1;
    const whiteouts: [DirNode, string, WhiteoutNode][] = [];
    for (const c of changes) {
      if (c.op === 'add') this.add(c, where);
      else if (c.op === 'whiteout') whiteouts.push(this.whiteout(c, where));
      else this.opaque(c, where);
    }
    for (const [dir, name, node] of whiteouts) if (dir.children.get(name) === node) dir.children.delete(name);
  }

  /** Every path of the tree, sorted; a symlink that leads to a regular file carries its sha256. */
  list(): ImageFile[] {
    const out: ImageFile[] = [];
    const resolver = new SymlinkResolver(this.root);
    const frames: Frame[] = [{ dir: this.root, name: '' }];
    const walk = (dir: DirNode, prefix: string): void => {
      for (const [name, node] of dir.children) {
        const path = prefix + name;
        if (node.type === 'whiteout') throw new CairnError('INTERNAL', `whiteout of ${path} left in the tree`);
        out.push(fileOf(path, node));
        if (node.type === 'symlink') {
          const target = resolver.fileOf(node, frames);
          if (target) Object.assign(out[out.length - 1]!, { sha256: target.sha256, resolved: target.path });
        } else if (node.type === 'dir') {
          frames.push({ dir: node, name });
          walk(node, `${path}/`);
          frames.pop();
        }
      }
    };
    walk(this.root, '');
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private add(c: Add, where: string): void {
    const parts = c.path.split('/');
    const name = parts.pop()!;
    const dir = this.dirAt(parts, c, where);
    const existing = dir.children.get(name);
    if (c.type === 'dir') {
      if (existing?.type === 'dir') {
        existing.mode = c.mode;
        existing.layer = existing.touched = this.layer;
        return;
      }
      if (existing?.type === 'whiteout' && existing.hidDir) {
        // The overlayfs applier replaces its whiteout device by a plain directory, through
        // which overlayfs shows the lower directory's files again; the native one does not.
        throw invalid(c, `is a directory where this layer whited out a directory (containerd's appliers disagree on what is below it)`, where);
      }
      dir.children.set(name, newDir(c.mode, this.layer, this.layer));
      return;
    }
    let node: LeafNode;
    if (c.type === 'hardlink') node = this.linked(c, where);
    else {
      node = { type: c.type, mode: c.mode, size: c.size, layer: this.layer };
      if (c.sha256 !== undefined) node.sha256 = c.sha256;
      if (c.type === 'symlink') node.linkname = c.linkname;
    }
    dir.children.set(name, node);
  }

  // `.wh.<x>`: removes <x> and what is below it. The native applier removes it where the marker
  // sits in the archive, the overlayfs one puts a whiteout device there, which fails when this
  // layer wrote the path: only a later layer can hide it (image-spec), so that is refused.
  private whiteout(c: Marker, where: string): [DirNode, string, WhiteoutNode] {
    const parts = c.path.split('/');
    const name = parts.pop()!;
    const dir = this.dirAt(parts, c, where);
    const target = dir.children.get(name);
    if (target && (target.layer === this.layer || (target.type === 'dir' && target.touched === this.layer))) {
      throw invalid(c, `whites out ${JSON.stringify(c.path)}, which this layer wrote (only a later layer can hide it)`, where);
    }
    const node: WhiteoutNode = { type: 'whiteout', layer: this.layer, hidDir: target?.type === 'dir' };
    dir.children.set(name, node);
    return [dir, name, node];
  }

  // `.wh..wh..opq`: the directory (created if missing) keeps what this layer wrote below it and
  // loses what lower layers put there. The native applier keeps only paths that had an entry of
  // their own (unpackedPaths) and removes a directory this layer created only as a parent with
  // the files in it, where overlayfs keeps them: that case is refused.
  private opaque(c: Marker, where: string): void {
    const dir = this.dirAt(c.path === '' ? [] : c.path.split('/'), c, where);
    this.clearLower(dir, c, c.path, where);
  }

  private clearLower(dir: DirNode, c: Marker, at: string, where: string): void {
    for (const [name, child] of dir.children) {
      const path = at === '' ? name : `${at}/${name}`;
      if (child.layer === this.layer) {
        if (child.type === 'dir') this.clearLower(child, c, path, where);
      } else if (child.type === 'dir' && child.touched === this.layer) {
        throw invalid(c, `comes after entries of its layer below ${JSON.stringify(path)}, a directory with no entry of its own (containerd's appliers disagree on whether they stay)`, where);
      } else {
        dir.children.delete(name);
      }
    }
  }

  // The directory at `parts`, created (0755) where missing as containerd's mkparent does, and
  // marked as touched by this layer; never through a symlink (UNSAFE_PATH) or a non-directory.
  private dirAt(parts: string[], c: Change, where: string): DirNode {
    let dir = this.root;
    for (let i = 0; i < parts.length; i++) {
      let next = dir.children.get(parts[i]!);
      if (next === undefined) {
        next = newDir(0o755, -1, this.layer);
        dir.children.set(parts[i]!, next);
      } else if (next.type !== 'dir') {
        const at = parts.slice(0, i + 1).join('/');
        if (next.type === 'symlink') throw throughSymlink(c.name, at, next.linkname, where);
        if (next.type === 'whiteout') throw invalid(c, `is below ${JSON.stringify(at)}, which this layer whited out`, where);
        throw invalid(c, `is below ${JSON.stringify(at)}, which is not a directory`, where);
      }
      next.touched = this.layer;
      dir = next;
    }
    return dir;
  }

  // What a hard link names, as it is at this point of the layer (Linux link(2): a symlink or a
  // device is linked itself). containerd's overlayfs applier links inside the layer's own upper
  // directory, so the target must be a path this layer wrote; a target in a lower layer is refused.
  private linked(c: Add, where: string): LeafNode {
    const target = c.linkname!;
    const what = `is a hard link to ${JSON.stringify(target)}`;
    if (target === c.path) throw invalid(c, `${what}, itself`, where);
    // containerd removes what is at the link's path before it links: a target below it is gone.
    if (target.startsWith(`${c.path}/`)) throw invalid(c, `${what}, below the path it replaces`, where);
    const parts = target === '' ? [] : target.split('/');
    const name = parts.pop();
    let dir: DirNode | undefined = this.root;
    for (let i = 0; i < parts.length && dir; i++) {
      const next: Node | undefined = dir.children.get(parts[i]!);
      if (next?.type === 'symlink') throw throughSymlink(c.name, parts.slice(0, i + 1).join('/'), next.linkname, where);
      dir = next?.type === 'dir' ? next : undefined;
    }
    const node = name === undefined ? undefined : dir?.children.get(name);
    if (node === undefined || node.type === 'whiteout') throw invalid(c, `${what}, which does not exist`, where);
    if (node.type === 'dir') throw invalid(c, `${what}, a directory`, where);
    if (node.layer !== this.layer) throw invalid(c, `${what}, a file of a lower layer (containerd's overlayfs applier cannot link to it)`, where);
    if (node.type === 'file' || node.type === 'hardlink') {
      return { type: 'hardlink', mode: node.mode, size: node.size, sha256: node.sha256!, linkname: target, layer: this.layer };
    }
    return { ...node, layer: this.layer };
  }
}

function invalid(c: Change, what: string, where: string): CairnError {
  return new CairnError('ARCHIVE_INVALID', `tar entry ${JSON.stringify(c.name)} ${what}`, { where });
}

function throughSymlink(entry: string, at: string, target: string | undefined, where: string): CairnError {
  return new CairnError('UNSAFE_PATH', `tar entry ${JSON.stringify(entry)} goes through the symlink ${JSON.stringify(at)} -> ${JSON.stringify(target ?? '')}`, { where });
}

function fileOf(path: string, node: DirNode | LeafNode): ImageFile {
  if (node.type === 'dir') return { path, type: 'dir', mode: node.mode, size: 0 };
  const out: ImageFile = { path, type: node.type, mode: node.mode, size: node.size };
  if (node.sha256 !== undefined) out.sha256 = node.sha256;
  if (node.linkname !== undefined) out.linkname = node.linkname;
  return out;
}
