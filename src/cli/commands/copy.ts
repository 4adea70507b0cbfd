import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import type { CommandModule } from '../context.js';
import { openReference, registryOptions, withStores } from '../registry.js';
import { humanSize, startProgress } from '../progress.js';
import type { CopyEvent, Store } from '../../oci/index.js';
import type { Descriptor } from '../../schema/index.js';

// cairn copy: an image with all its platforms (and with --referrers everything attached to it,
// recursively) between registries and OCI layout directories, either way: the air-gap path.

export const copyCommand: CommandModule = {
  command: 'copy <source> <destination>',
  describe: 'copy an image (all platforms, and with --referrers its attestations) between registries and oci: directories',
  builder: (y: Argv) =>
    registryOptions(y)
      .positional('source', { type: 'string', describe: 'host/repo:tag, host/repo@sha256:..., or oci:DIR:tag' })
      .positional('destination', { type: 'string', describe: 'host/repo[:tag] or oci:DIR[:tag] (created if missing); the source tag by default' })
      .option('referrers', { alias: 'r', type: 'boolean', default: false, describe: 'also copy every referrer, recursively' })
      .option('platform', { type: 'string', describe: 'copy only this platform (os/arch[/variant]) of a multi-platform index, and its referrers' })
      .option('concurrency', { type: 'number', default: 4, describe: 'blobs transferred at once' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' })
      .example('cairn copy --referrers 127.0.0.1:5000/app:1.0 oci:./airgap:app-1.0', ''),
  run: async (argv, ctx) => {
    const { copyGraph, resolveReference, formatReference } = await import('../../oci/index.js');
    const src = await openReference(String(argv['source']), argv, ctx);
    const dst = await openReference(String(argv['destination']), argv, ctx, true);
    await withStores([src.store, dst.store], async () => {
      let root = await resolveReference(src.store, src.ref);
      if (argv['platform']) root = await platformOf(src.store, root, String(argv['platform']), formatReference(src.ref));
      if (dst.ref.digest && dst.ref.digest !== root.digest) {
        throw new CairnError('INVALID_ARGUMENT', `destination digest ${dst.ref.digest} is not the source's ${root.digest}`, { where: formatReference(dst.ref) });
      }
      const progress = await startProgress(ctx.out, 'copy');
      // What the source layout lacks is said as it is found, so that a destination that refuses
      // the result (a registry refuses an index whose manifests it lacks) is understood.
      const onEvent = (e: CopyEvent) => (e.kind === 'omitted' ? ctx.out.warn(`not copied: ${e.omission.digest} (${e.omission.mediaType}), ${e.omission.why}`) : progress.onEvent(e));
      let result;
      try {
        result = await copyGraph(src.store, dst.store, root, { referrers: Boolean(argv['referrers']), concurrency: Math.max(1, Number(argv['concurrency']) || 4), onEvent });
      } finally {
        progress.stop();
      }
      const tag = dst.ref.tag ?? src.ref.tag;
      if (tag) await dst.store.tag(root, tag);
      ctx.out.info(`copied ${result.manifests} manifests and ${result.blobs} blobs (${humanSize(result.bytes)}; ${result.skipped} already there; ${result.referrers} referrers) to ${dst.store.location}${tag ? `:${tag}` : ''}`);
      ctx.out.result(root.digest);
      ctx.out.json({ digest: root.digest, mediaType: root.mediaType, size: root.size, destination: dst.store.location, tag: tag ?? null, ...(argv['platform'] ? { platform: String(argv['platform']) } : {}), ...result });
    });
  },
};

// --platform: the index's manifest for that platform (a single-platform image is refused: there
// is nothing to choose, and copying it whole would not be what was asked).
async function platformOf(store: Store, root: Descriptor, platform: string, where: string): Promise<Descriptor> {
  const { fetchManifestNode } = await import('../../oci/index.js');
  const { selectPlatform } = await import('../../image/index.js');
  const node = await fetchManifestNode(store, root);
  if (node.kind !== 'index') throw new CairnError('INVALID_ARGUMENT', `not a multi-platform index, so there is no platform ${platform} to choose: copy it without --platform`, { where });
  return selectPlatform(node.index, platform);
}
