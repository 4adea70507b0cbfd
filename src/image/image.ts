import { parseDigest } from '../digest/index.js';
import { parseJson } from '../encoding/index.js';
import { CairnError } from '../errors.js';
import { fetchVerified, MAX_MANIFEST_BYTES, openVerified, type ReadOnlyStore } from '../oci/index.js';
import { ImageConfigSchema, ManifestSchema, parseWith, type Descriptor, type ImageConfig } from '../schema/index.js';
import { flattenLayers } from './flatten.js';
import type { ImageFiles } from './image-files.js';
import { isImageConfigType, isImageManifestType, isIndexType } from '../oci/index.js';
import type { FlattenOptions, ImageFile, LayerReport, LayerSource } from './types.js';

// An image in a store, from its manifest descriptor to its flattened files: the manifest and
// config are read through fetchVerified (size and digest checked, 4 MiB cap), the config must
// be an image config, and the layers are streamed through openVerified in manifest order,
// each checked against the config's rootfs.diff_ids. An index is refused: the caller picks a
// platform first (selectPlatform). This is the one code path for `cairn image files` and verify.
// Spec: https://github.com/opencontainers/image-spec/blob/main/manifest.md

/** An image read from a store: its manifest and config, and its flattened files. */
export interface FlattenedImage {
  manifest: Descriptor;
  config: Descriptor;
  imageConfig: ImageConfig;
  /** The config blob as read (digest-checked): for checks JSON.parse cannot make (duplicate keys). */
  configBytes: Buffer;
  files: ImageFiles;
}

/** Reads the image a manifest descriptor names and flattens its layers. */
export async function flattenImage(store: ReadOnlyStore, manifest: Descriptor, options: FlattenOptions = {}): Promise<FlattenedImage> {
  const where = `manifest ${manifest.digest}`;
  if (isIndexType(manifest.mediaType)) {
    throw new CairnError('INVALID_ARGUMENT', 'is an image index: choose a platform first', { where });
  }
  if (!isImageManifestType(manifest.mediaType)) {
    throw new CairnError('UNSUPPORTED', `media type ${JSON.stringify(manifest.mediaType)} is not an image manifest`, { where });
  }
  parseDigest(manifest.digest, where);
  const doc = parseWith(ManifestSchema, parseJson(await fetchVerified(store, manifest, MAX_MANIFEST_BYTES, where), where), where);
  if (doc.mediaType !== undefined && doc.mediaType !== manifest.mediaType) {
    throw new CairnError('SCHEMA_INVALID', `mediaType is ${doc.mediaType}, its descriptor says ${manifest.mediaType}`, { where });
  }
  if (!isImageConfigType(doc.config.mediaType)) {
    throw new CairnError('UNSUPPORTED', `config media type ${JSON.stringify(doc.config.mediaType)} is not an image config (an artifact?)`, { where });
  }
  const configWhere = `config ${doc.config.digest}`;
  parseDigest(doc.config.digest, configWhere);
  const configBytes = await fetchVerified(store, doc.config, MAX_MANIFEST_BYTES, configWhere);
  const imageConfig = parseWith(ImageConfigSchema, parseJson(configBytes, configWhere), configWhere);
  const layers: LayerSource[] = doc.layers.map((d, i) => {
    parseDigest(d.digest, `${where}: layers[${i}]`);
    return { mediaType: d.mediaType, digest: d.digest, size: d.size, open: () => openVerified(store, d) };
  });
  const files = await flattenLayers(layers, { ...options, diffIds: imageConfig.rootfs.diff_ids });
  return { manifest, config: doc.config, imageConfig, configBytes, files };
}

/** What `cairn image files --output json` prints (see docs/image.md). */
export interface ImageFileListing {
  manifest: { mediaType: string; digest: string; size: number };
  config: { mediaType: string; digest: string; size: number };
  layers: LayerReport[];
  files: ImageFile[];
}

/** Flattens an image and returns the listing `cairn image files` prints. */
export async function listImageFiles(store: ReadOnlyStore, manifest: Descriptor, options: FlattenOptions = {}): Promise<ImageFileListing> {
  const image = await flattenImage(store, manifest, options);
  const brief = (d: Descriptor) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size });
  return { manifest: brief(image.manifest), config: brief(image.config), layers: [...image.files.layers], files: [...image.files.files] };
}
