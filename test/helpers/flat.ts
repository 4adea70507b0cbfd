import { flattenLayers, type ImageFiles } from '../../src/image/index.js';
import { layerOf, tarOf, type TarEntrySpec } from './tar.js';

/** Flattens layers given as tar entry lists (each a layer, bottom first). */
export async function flat(...layers: TarEntrySpec[][]): Promise<ImageFiles> {
  const sources = await Promise.all(layers.map(async (l) => layerOf(await tarOf(l), undefined, 700)));
  return flattenLayers(sources);
}

/** path → sha256 (files, and symlinks that lead to files), `->target` (other symlinks), or the type. */
export function view(files: ImageFiles): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files.files) out[f.path] = f.sha256 ?? (f.type === 'symlink' ? `->${f.linkname}` : f.type);
  return out;
}
