import type { ArtifactMap } from '../intoto/index.js';
import type { ImageFile, LayerReport } from './types.js';

// The result of flattening: every path of the image's root filesystem, and how each layer was
// read. For the rule engine only regular files are artifacts (type `file`, and `hardlink`,
// which is a regular file under a second name): in-toto artifacts are content hashes, and a
// step's products are files. Symlinks, directories and devices have no content of their own
// and are not artifacts; a symlink is never followed (an absolute one would name a file of
// the verifying host). They are still listed, with their type, for `cairn image files`.

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

  /** in-toto artifacts `{path: {sha256: hex}}`: the regular files (and hard links) only. */
  toArtifactMap(): ArtifactMap {
    const out: ArtifactMap = Object.create(null);
    for (const f of this.files) {
      if ((f.type === 'file' || f.type === 'hardlink') && f.sha256 !== undefined) out[f.path] = { sha256: f.sha256 };
    }
    return out;
  }
}
