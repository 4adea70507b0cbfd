import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import type { CommandModule } from '../context.js';
import { openReference, registryOptions, withStores } from '../registry.js';

// cairn layout push / layout pull: a signed layout as an artifact in a registry (or an OCI
// layout dir), stored under a tag; push prints the digest to pin, pull checks every byte
// against the digests (and against the digest given in the reference).
// These are subcommands of `cairn layout` (see layout.ts).

export const layoutPushCommand: CommandModule = {
  command: 'push <layout> <reference>',
  describe: 'store a signed layout in a registry under a tag; prints the digest to pin',
  builder: (y: Argv) =>
    registryOptions(y)
      .positional('layout', { type: 'string', describe: 'signed layout file (Metablock or DSSE envelope)' })
      .positional('reference', { type: 'string', describe: 'host/repo:tag or oci:DIR:tag' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' }),
  run: async (argv, ctx) => {
    const { readInputFile } = await import('../../disk/index.js');
    const { readSignedDocument } = await import('../../intoto/index.js');
    const { pushLayout } = await import('../../attest/index.js');
    const { basename } = await import('node:path');
    const path = String(argv['layout']);
    const bytes = readInputFile(path);
    const doc = readSignedDocument(bytes, path);
    const { ref, store } = await openReference(String(argv['reference']), argv, ctx, true);
    if (ref.digest) throw new CairnError('INVALID_ARGUMENT', 'push to a tag, not a digest (the digest is printed)', { where: String(argv['reference']) });
    await withStores([store], async () => {
      const desc = await pushLayout(store, doc, bytes, ref.tag ?? 'latest', basename(path), path);
      ctx.out.info(`pushed ${path} to ${store.location}:${ref.tag ?? 'latest'}; pin it as ${store.location}@${desc.digest}`);
      ctx.out.result(desc.digest);
      ctx.out.json({ digest: desc.digest, reference: `${store.location}@${desc.digest}`, tag: ref.tag ?? 'latest' });
    });
  },
};

export const layoutPullCommand: CommandModule = {
  command: 'pull <reference>',
  describe: 'fetch a signed layout stored by layout push, checking its digest',
  builder: (y: Argv) =>
    registryOptions(y)
      .positional('reference', { type: 'string', describe: 'host/repo:tag, host/repo@sha256:... (pinned), or oci:DIR:tag' })
      .option('out', { alias: 'o', type: 'string', describe: 'write the layout here (default: the name it was pushed with)' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' }),
  run: async (argv, ctx) => {
    const { resolveReference } = await import('../../oci/index.js');
    const { pullLayout } = await import('../../attest/index.js');
    const { basename } = await import('node:path');
    const { ref, store } = await openReference(String(argv['reference']), argv, ctx);
    await withStores([store], async () => {
      const desc = await resolveReference(store, ref);
      const pulled = await pullLayout(store, desc);
      const out = (argv['out'] as string | undefined) ?? basename(pulled.title ?? 'root.layout');
      const { writeFileAtomic } = await import('../../disk/index.js');
      writeFileAtomic(out, pulled.bytes);
      ctx.out.info(`wrote ${out} (${store.location}@${desc.digest})`);
      ctx.out.result(desc.digest);
      ctx.out.json({ digest: desc.digest, file: out, format: pulled.document.format });
    });
  },
};
