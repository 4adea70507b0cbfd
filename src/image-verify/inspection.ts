import { CairnError } from '../errors.js';
import { flattenImage, type FlattenedImage } from '../image/index.js';
import type { ReadOnlyStore } from '../oci/index.js';
import type { ArtifactMap, Inspection } from '../intoto/index.js';
import type { Descriptor } from '../schema/index.js';
import type { InspectionRecord, InspectionRunner } from '../verify/index.js';

import { imageConfigArtifacts } from './config.js';
import { IMAGE_CONFIG_ARTIFACT, IMAGE_INDEX_ARTIFACT, IMAGE_MANIFEST_ARTIFACT, isImageInspection, isReservedArtifactName } from '../verify/index.js';

// The image itself as artifacts for the rule engine. A layout names it with a reserved
// inspection whose command is `cairn:image`: instead of running anything, Cairn flattens the
// image being verified and hands its regular files (path -> sha256) to the inspection as both
// materials and products, plus the manifest, config (and index) digests and the config's
// execution parameters under reserved names. The layout stays a valid in-toto layout; only the
// meaning of that one command is Cairn's (the reserved names: reserved.ts).
// The digests (`/oci/...`) and the execution parameters (`/config/...`) have different roots
// so that allowing the digests never allows a changed Entrypoint by accident.

function hexOf(d: Descriptor): string {
  return d.digest.slice('sha256:'.length);
}

/** The artifacts the rule engine sees for an image: its files, its digests, its execution parameters. */
export function imageArtifactMap(image: FlattenedImage, index?: Descriptor): ArtifactMap {
  const files = image.files.toArtifactMap();
  for (const path of Object.keys(files)) {
    // The flattener's promise (reserved.ts), checked where it matters.
    if (isReservedArtifactName(path)) throw new CairnError('INTERNAL', `the flattener returned the absolute path ${JSON.stringify(path)}`);
  }
  const out: ArtifactMap = { ...files, ...imageConfigArtifacts(image.imageConfig, `config ${image.config.digest}`, image.configBytes.toString('utf8')) };
  out[IMAGE_MANIFEST_ARTIFACT] = { sha256: hexOf(image.manifest) };
  out[IMAGE_CONFIG_ARTIFACT] = { sha256: hexOf(image.config) };
  if (index) out[IMAGE_INDEX_ARTIFACT] = { sha256: hexOf(index) };
  return out;
}

/**
 * Runs the reserved image inspection from the image in a store (flattened once, on first use),
 * and hands any other inspection to `others` (commands, as in local verification).
 */
export class ImageInspectionRunner implements InspectionRunner {
  private artifacts: Promise<ArtifactMap> | undefined;

  constructor(
    private readonly store: ReadOnlyStore,
    private readonly manifest: Descriptor,
    private readonly others?: InspectionRunner,
    private readonly index?: Descriptor,
  ) {}

  /** The image's artifacts (flattening it if that was not done yet). */
  imageArtifacts(): Promise<ArtifactMap> {
    this.artifacts ??= flattenImage(this.store, this.manifest).then((img) => imageArtifactMap(img, this.index));
    return this.artifacts;
  }

  async run(inspection: Inspection): Promise<InspectionRecord> {
    if (isImageInspection(inspection)) {
      const a = await this.imageArtifacts();
      return { materials: a, products: a, returnValue: 0, stderr: '' };
    }
    if (!this.others) throw new CairnError('INVALID_ARGUMENT', `inspection ${inspection.name} runs a command, and no working directory was given for it`);
    return this.others.run(inspection);
  }
}
