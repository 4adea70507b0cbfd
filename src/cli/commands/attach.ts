import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import { asList, type CommandModule } from '../context.js';
import { openReference, referrerFlags, referrerOptions, registryOptions, withStores } from '../registry.js';

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
    const { resolveReference } = await import('../../oci/index.js');
    const { attach, prepareAttach, readAttachInputs } = await import('../../attest/index.js');
    const inputs = asList(argv['files']).flatMap((f) => readAttachInputs(f));
    if (inputs.length === 0) throw new CairnError('INVALID_ARGUMENT', 'give at least one file to attach');
    const { ref, store } = await openReference(String(argv['subject']), argv, ctx);
    await withStores([store], async () => {
      const [subject] = await Promise.all([resolveReference(store, ref), ref.kind === 'registry' ? prepareAttach(store) : undefined]);
      const results = [];
      for (const input of inputs) {
        const r = await attach(store, subject, input.document, { bytes: input.bytes, step: argv['step'] as string | undefined, force: Boolean(argv['force']), referrer: referrerFlags(argv) }, input.source);
        ctx.out.info(`${input.source}: ${r.existing ? 'already attached' : 'attached'}`);
        ctx.out.result(r.descriptor.digest);
        results.push({ source: input.source, referrer: r.descriptor.digest, existing: r.existing });
      }
      ctx.out.json({ subject: subject.digest, referrers: results });
    });
  },
};
