import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import type { CommandModule } from '../context.js';
import { openReference, registryOptions, withStores } from '../registry.js';
import { startProgress } from '../progress.js';

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
      .option('concurrency', { type: 'number', default: 4, describe: 'blobs transferred at once' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' })
      .example('cairn copy --referrers 127.0.0.1:5000/app:1.0 oci:./airgap:app-1.0', ''),
  run: async (argv, ctx) => {
    const { copyGraph, resolveReference, formatReference } = await import('../../oci/index.js');
    const src = await openReference(String(argv['source']), argv, ctx);
    const dst = await openReference(String(argv['destination']), argv, ctx, true);
    await withStores([src.store, dst.store], async () => {
      const root = await resolveReference(src.store, src.ref);
      if (dst.ref.digest && dst.ref.digest !== root.digest) {
        throw new CairnError('INVALID_ARGUMENT', `destination digest ${dst.ref.digest} is not the source's ${root.digest}`, { where: formatReference(dst.ref) });
      }
      const progress = await startProgress(ctx.out, 'copy');
      let result;
      try {
        result = await copyGraph(src.store, dst.store, root, { referrers: Boolean(argv['referrers']), concurrency: Math.max(1, Number(argv['concurrency']) || 4), onEvent: progress.onEvent });
      } finally {
        progress.stop();
      }
      const tag = dst.ref.tag ?? src.ref.tag;
      if (tag) await dst.store.tag(root, tag);
      ctx.out.info(`copied ${result.manifests} manifests and ${result.blobs} blobs (${result.bytes} bytes; ${result.skipped} already there; ${result.referrers} referrers) to ${dst.store.location}${tag ? `:${tag}` : ''}`);
      ctx.out.result(root.digest);
      ctx.out.json({ digest: root.digest, mediaType: root.mediaType, size: root.size, destination: dst.store.location, tag: tag ?? null, ...result });
    });
  },
};
