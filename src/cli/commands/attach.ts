import type { Argv } from 'yargs';
import { asList, type CommandModule } from '../context.js';
import { attachWriteOptions, referrerOptions, registryOptions, storeAccess } from '../registry.js';

// cairn attach: push existing signed documents (DSSE envelopes, .intoto.jsonl bundles, legacy
// .link Metablocks; from `cairn run` or other in-toto tools) as referrers of an image.

export const attachCommand: CommandModule = {
  command: 'attach <subject> <files..>',
  describe: 'push signed envelopes or links as OCI referrers of an image',
  builder: (y: Argv) =>
    referrerOptions(registryOptions(y))
      .positional('subject', { type: 'string', describe: 'the image: host/repo:tag, host/repo@sha256:..., or oci:DIR:tag' })
      .positional('files', { type: 'string', array: true, describe: 'DSSE envelopes (.json), bundles (.intoto.jsonl), Metablock links (.link)' })
      .option('step', { type: 'string', describe: 'the layout step the evidence is for, when a document does not name one' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' }),
  run: async (argv, ctx) => {
    const { attachFiles } = await import('../../api/attest.js');
    const r = await attachFiles({
      ...(await storeAccess(argv, ctx)),
      ...attachWriteOptions(argv),
      subject: String(argv['subject']),
      files: asList(argv['files']),
      ...(argv['step'] !== undefined ? { step: String(argv['step']) } : {}),
      onAttached: (a) => {
        ctx.out.info(`${a.source}: ${a.existing ? 'already attached' : 'attached'}`);
        ctx.out.result(a.referrer);
      },
    });
    ctx.out.json(r);
  },
};
