import type { Argv } from 'yargs';
import { asList, loadKeyFile, type CommandModule } from '../context.js';
import { attachWriteOptions, referrerOptions, registryOptions, storeAccess } from '../registry.js';

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
    const { attestImage } = await import('../../api/attest.js');
    const r = await attestImage({
      ...(await storeAccess(argv, ctx)),
      ...attachWriteOptions(argv),
      subject: String(argv['subject']),
      predicateType: String(argv['type']),
      predicatePath: String(argv['predicate']),
      // loaded while the registry answers the first requests
      keys: () => Promise.all(asList(argv['key']).map((k) => loadKeyFile(k, ctx.env, argv['password-env'] as string | undefined))),
      ...(argv['step'] !== undefined ? { step: String(argv['step']) } : {}),
    });
    ctx.out.info(r.existing ? `already attached to ${r.subject}` : `attached to ${r.subject}`);
    ctx.out.result(r.referrer);
    ctx.out.json(r);
  },
};
