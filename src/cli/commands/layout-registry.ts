import type { Argv } from 'yargs';
import type { CommandModule } from '../context.js';
import { registryOptions, storeAccess } from '../registry.js';

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
    const { pushLayoutFile } = await import('../../api/layouts.js');
    const file = String(argv['layout']);
    const r = await pushLayoutFile({ ...(await storeAccess(argv, ctx)), file, reference: String(argv['reference']) });
    ctx.out.info(`pushed ${file} to ${r.location}:${r.tag}; pin it as ${r.location}@${r.digest}`);
    ctx.out.result(r.digest);
    ctx.out.json({ digest: r.digest, reference: `${r.location}@${r.digest}`, tag: r.tag });
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
    const { pullLayoutFile } = await import('../../api/layouts.js');
    const r = await pullLayoutFile({ ...(await storeAccess(argv, ctx)), reference: String(argv['reference']), ...(argv['out'] !== undefined ? { out: String(argv['out']) } : {}) });
    ctx.out.info(`wrote ${r.file} (${r.location}@${r.digest})`);
    ctx.out.result(r.digest);
    ctx.out.json({ digest: r.digest, file: r.file, format: r.format });
  },
};
