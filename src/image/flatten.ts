import { CairnError } from '../errors.js';
import { ImageFiles } from './image-files.js';
import { readLayer, type Budget } from './layer.js';
import { LayerThread } from './layer-thread.js';
import { FileTree } from './tree.js';
import { type FlattenOptions, type LayerReport, type LayerSource, limitsOf } from './types.js';

// Flattening: the layers are read one at a time, in order, each streamed once (decompressed,
// hashed, parsed) and checked against its diff_id before its changes touch the tree, so a
// layer whose content is not what the config says never contributes a file. Memory grows with
// the number of paths, not with the size of the image; nothing is written to disk.
// Spec: https://github.com/opencontainers/image-spec/blob/main/layer.md,
// https://github.com/opencontainers/image-spec/blob/main/config.md#layer-diffid

/** Applies the layers in order and returns the resulting files. */
export async function flattenLayers(
  layers: AsyncIterable<LayerSource> | Iterable<LayerSource>,
  options: FlattenOptions = {},
): Promise<ImageFiles> {
  const limits = limitsOf(options);
  const budget: Budget = { bytes: 0, entries: 0, names: 0 };
  const tree = new FileTree();
  const reports: LayerReport[] = [];
  const expected = options.diffIds;
  const thread = new LayerThread(); // started by the first big layer
  try {
    for await (const layer of layers) {
      const index = reports.length;
      if (expected && index >= expected.length) {
        throw new CairnError('DIGEST_MISMATCH', `the image has more layers than the ${expected.length} diff_ids of its config`);
      }
      const { changes, report } = await readLayer(layer, limits, budget, thread, options.threadFrom);
      if (expected && expected[index] !== report.diffId) {
        throw new CairnError('DIGEST_MISMATCH', `uncompressed content is ${report.diffId}, the config says ${expected[index]}`, {
          where: `layer ${index} (${layer.digest})`,
        });
      }
      tree.applyLayer(changes, layer.digest);
      reports.push(report);
      options.onLayer?.(report, index);
    }
  } finally {
    thread.close();
  }
  if (expected && reports.length !== expected.length) {
    throw new CairnError('DIGEST_MISMATCH', `the image has ${reports.length} layers, its config lists ${expected.length} diff_ids`);
  }
  return new ImageFiles(tree.list(), reports);
}
