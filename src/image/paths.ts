import { CairnError } from '../errors.js';

// Entry names as a runtime sees them. A name is made relative to the image root (a leading
// `/` is dropped, as containerd, Docker and GNU tar do), `.` and empty segments go away, and
// `..` is resolved lexically (containerd cleans names the same way before it creates them);
// a `..` that would climb above the root is UNSAFE_PATH, never clamped.
// Whiteouts are decided by the base name alone, as containerd's applier decides them
// (pkg/archive/tar.go applyNaive's convertWhiteout, tar_opts_linux.go OverlayConvertWhiteout):
// `.wh..wh..opq` makes its directory opaque, and any other `.wh.<x>` (`.wh..wh.<x>` included)
// whites out `<x>`. Directories named `.wh.*` are ordinary directories: containerd creates
// them as parents and extracts what is below them, so Cairn lists it too.
// Spec: https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts

/** Longest path accepted, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** What a tar entry does to the tree once its name is understood. */
export type EntryRole =
  | { role: 'entry'; path: string }
  | { role: 'whiteout'; path: string }
  | { role: 'opaque'; path: string };

/** Normalises an entry (or hard link target) name to a root-relative path; '' is the root. */
export function normalizeEntryPath(name: string, where: string): string {
  const out: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw new CairnError('UNSAFE_PATH', `${where} escapes the image root`);
      out.pop();
    } else {
      out.push(seg);
    }
  }
  const path = out.join('/');
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    throw new CairnError('ARCHIVE_INVALID', `${where} is longer than ${MAX_PATH_BYTES} bytes`);
  }
  return path;
}

/** Classifies an entry by its base name: a plain entry, a whiteout, or an opaque marker. */
export function entryRole(name: string, where: string): EntryRole {
  const path = normalizeEntryPath(name, where);
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (!base.startsWith(WH)) return { role: 'entry', path };
  if (base === OPAQUE) return { role: 'opaque', path: dir };
  const target = base.slice(WH.length);
  if (target === '') throw new CairnError('ARCHIVE_INVALID', `${where} is a whiteout without a name`);
  if (target === '.' || target === '..') throw new CairnError('UNSAFE_PATH', `${where} whites out "${target}"`);
  return { role: 'whiteout', path: dir ? `${dir}/${target}` : target };
}
