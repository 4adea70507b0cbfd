import type { ArtifactMap } from '../intoto/index.js';
import type { ImageFile, LayerReport } from './types.js';

// The result of flattening: every path of the image's root filesystem, and how each layer was
// read. For the rule engine the artifacts are the regular files (type `file`, and `hardlink`,
// which is a regular file under a second name) and the symlinks. A symlink is what runs when a
// process execs its path, so it must be seen by the rules: one that leads to a regular file of
// the image is that file's sha256, exactly what in-toto records for a followed link (so MATCH
// pins it against a step's products); any other (dangling, a loop, to a directory or device)
// is `{"symlink": "<target as written>"}`, a digest set that never equals a file's.
// Directories and devices have no content of their own and are not artifacts.

/** The digest-set key of a symlink that leads to no regular file of the image. */
export const SYMLINK_DIGEST_KEY = 'symlink';

/** The flattened files of an image, sorted by path, with the layers they came from. */
export class ImageFiles {
  private index: Map<string, ImageFile> | undefined;

  constructor(
    /** Every path of the flattened filesystem, sorted. */
    readonly files: readonly ImageFile[],
    /** One report per layer, in layer order. */
    readonly layers: readonly LayerReport[],
  ) {}

  /** sha256 of each uncompressed layer, in order (what the config's rootfs.diff_ids must say). */
  get diffIds(): string[] {
    return this.layers.map((l) => l.diffId);
  }

  /** The entry at a path (relative, no leading `/`), if any. */
  get(path: string): ImageFile | undefined {
    this.index ??= new Map(this.files.map((f) => [f.path, f]));
    return this.index.get(path);
  }

  /** in-toto artifacts: `{path: {sha256: hex}}` for files, hard links and symlinks to files, `{path: {symlink: target}}` for other symlinks. */
  toArtifactMap(): ArtifactMap {
    const out: ArtifactMap = Object.create(null);
    for (const f of this.files) {
      if ((f.type === 'file' || f.type === 'hardlink' || f.type === 'symlink') && f.sha256 !== undefined) out[f.path] = { sha256: f.sha256 };
      else if (f.type === 'symlink') out[f.path] = { [SYMLINK_DIGEST_KEY]: f.linkname ?? '' };
    }
    return out;
  }
}
