import type { Argv } from 'yargs';
import { asList, loadKeyFile, type CommandModule } from '../context.js';
import { openReference, referrerFlags, referrerOptions, registryOptions, withStores } from '../registry.js';

// cairn attest: wrap a predicate (SLSA provenance, SPDX, CycloneDX, test results, anything) in
// a Statement about the image digest, sign it as DSSE, and push it as a referrer of the image.

export const attestCommand: CommandModule = {
  command: 'attest <subject>',
  describe: 'sign a predicate about an image and push it next to the image as an OCI referrer',
  builder: (y: Argv) =>
    referrerOptions(registryOptions(y))
      .positional('subject', { type: 'string', describe: 'the image: host/repo:tag, host/repo@sha256:..., or oci:DIR:tag' })
      .option('predicate', { type: 'string', demandOption: true, describe: 'JSON file holding the predicate' })
      .option('type', { type: 'string', demandOption: true, describe: 'predicate type URI, or slsaprovenance1, spdx, cyclonedx, link, test-result, vulns, vsa' })
      .option('key', { alias: 'k', type: 'string', array: true, demandOption: true, describe: 'private key file(s) to sign with' })
      .option('password-env', { type: 'string', describe: 'environment variable holding the key passphrase' })
      .option('step', { type: 'string', describe: 'the layout step this evidence is for (annotation dev.cairn.step)' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' })
      .example('cairn attest 127.0.0.1:5000/app:1.0 --predicate prov.json --type slsaprovenance1 --key alice', ''),
  run: async (argv, ctx) => {
    const { readInputText } = await import('../../disk/index.js');
    const { parseJson } = await import('../../encoding/index.js');
    const { resolveReference, formatReference } = await import('../../oci/index.js');
    const { attach, imageStatement, predicateTypeOf, prepareAttach } = await import('../../attest/index.js');
    const predicateType = predicateTypeOf(String(argv['type']));
    const predicatePath = String(argv['predicate']);
    const predicate = parseJson(readInputText(predicatePath), predicatePath);
    const { ref, store } = await openReference(String(argv['subject']), argv, ctx);
    await withStores([store], async () => {
      // the first requests go out now; the keys load while they are answered (a key error still wins)
      const resolving = Promise.all([resolveReference(store, ref), ref.kind === 'registry' ? prepareAttach(store) : undefined]);
      resolving.catch(() => undefined);
      const keys = await Promise.all(asList(argv['key']).map((k) => loadKeyFile(k, ctx.env, argv['password-env'] as string | undefined)));
      const { signStatement } = await import('../../intoto/index.js');
      const [subject] = await resolving;
      const name = ref.kind === 'registry' ? `${ref.registry}/${ref.repository}` : formatReference({ ...ref, tag: undefined, digest: undefined });
      const statement = imageStatement(name, subject.digest as `sha256:${string}`, predicateType, predicate, predicatePath);
      const doc = await signStatement(statement, keys);
      const result = await attach(store, subject, doc, { step: argv['step'] as string | undefined, force: Boolean(argv['force']), referrer: referrerFlags(argv) });
      ctx.out.info(result.existing ? `already attached to ${subject.digest}` : `attached to ${subject.digest}`);
      ctx.out.result(result.descriptor.digest);
      ctx.out.json({ subject: subject.digest, referrer: result.descriptor.digest, existing: result.existing, predicateType });
    });
  },
};
