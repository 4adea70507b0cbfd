import type { Argv } from 'yargs';
import type { CommandModule } from '../context.js';
import { registryOptions, storeAccess } from '../registry.js';
import { humanSize, startProgress } from '../progress.js';

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
    const { copyImage } = await import('../../api/copy.js');
    const progress = await startProgress(ctx.out, 'copy');
    let r;
    try {
      r = await copyImage({
        ...(await storeAccess(argv, ctx)),
        source: String(argv['source']),
        destination: String(argv['destination']),
        referrers: Boolean(argv['referrers']),
        ...(argv['platform'] ? { platform: String(argv['platform']) } : {}),
        concurrency: Math.max(1, Number(argv['concurrency']) || 4),
        // what the source layout lacks is said as it is found, so that a destination that refuses
        // the result (a registry refuses an index whose manifests it lacks) is understood
        onEvent: (e) => (e.kind === 'omitted' ? ctx.out.warn(`not copied: ${e.omission.digest} (${e.omission.mediaType}), ${e.omission.why}`) : progress.onEvent(e)),
      });
    } finally {
      progress.stop();
    }
    ctx.out.info(`copied ${r.manifests} manifests and ${r.blobs} blobs (${humanSize(r.bytes)}; ${r.skipped} already there; ${r.referrers} referrers) to ${r.destination}${r.tag ? `:${r.tag}` : ''}`);
    ctx.out.result(r.digest);
    ctx.out.json({ ...r, ...(argv['platform'] ? { platform: String(argv['platform']) } : {}) });
  },
};
