import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import { asList, loadKeyFile, loadPublicKeyFile, type CliContext, type CommandModule } from '../context.js';

// cairn trust init | rotate | sign | show: the owner keys of a project, versioned and signed
// like TUF's root role. Files here; `trust push` stores versions in a registry or OCI layout.

async function loadRootFile(path: string) {
  const { readInputText } = await import('../../disk/index.js');
  const { parseEnvelope } = await import('../../dsse/index.js');
  const { digestOf } = await import('../../digest/index.js');
  const text = readInputText(path);
  return { envelope: parseEnvelope(text, path), digest: digestOf(text) };
}

function days(spec: string): number {
  const m = /^(\d+)d$/.exec(spec);
  if (!m) throw new CairnError('INVALID_ARGUMENT', `--expires ${spec}: expected a number of days such as 365d`);
  return Number(m[1]);
}

async function writeRoot(path: string, envelope: unknown, ctx: CliContext, version: number): Promise<void> {
  const { writeFileAtomic } = await import('../../disk/index.js');
  writeFileAtomic(path, `${JSON.stringify(envelope)}\n`);
  ctx.out.result(`wrote ${path} (trust root version ${version})`);
  ctx.out.json({ file: path, version });
}

export const trustCommand: CommandModule = {
  command: 'trust <action>',
  describe: 'manage the trust root: the owner keys allowed to sign layouts (rotation, revocation)',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['init', 'rotate', 'sign', 'show'] as const })
      .option('key', { alias: 'k', type: 'string', array: true, describe: 'private key(s) that sign this version' })
      .option('owner', { type: 'string', array: true, describe: 'init: public keys of the owners (default: the --key keys)' })
      .option('threshold', { type: 'number', describe: 'owner signatures needed for a layout and for the next version' })
      .option('expires', { type: 'string', default: '365d', describe: 'validity of this version, e.g. 365d' })
      .option('root', { type: 'string', describe: 'rotate/sign/show: the current version (file)' })
      .option('add-key', { type: 'string', array: true, describe: 'rotate: public key of a new owner' })
      .option('remove-key', { type: 'string', array: true, describe: 'rotate: public key of an owner to drop' })
      .option('revoke-key', { type: 'string', array: true, describe: 'rotate: public key file or keyid to revoke everywhere' })
      .option('password-env', { type: 'string' })
      .option('out', { alias: 'o', type: 'string', describe: 'file to write (default root.<version>.json)' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const }),
  run: async (argv, ctx) => {
    const trust = await import('../../trust/index.js');
    const signers = await Promise.all(asList(argv['key']).map((k) => loadKeyFile(k, ctx.env, argv['password-env'] as string | undefined)));
    const action = argv['action'];
    if (action === 'init') {
      if (signers.length === 0) throw new CairnError('INVALID_ARGUMENT', 'trust init: give the owners\' private keys with --key');
      const owners = argv['owner'] ? await Promise.all(asList(argv['owner']).map(loadPublicKeyFile)) : signers.map((s) => s.publicKey);
      const root = trust.makeRoot(1, { keys: owners, threshold: Number(argv['threshold'] ?? 1), expires: trust.expiryIn(days(String(argv['expires']))) });
      await writeRoot(String(argv['out'] ?? 'root.1.json'), await trust.signRoot(root, signers), ctx, 1);
      return;
    }
    if (!argv['root']) throw new CairnError('INVALID_ARGUMENT', `trust ${String(action)}: give the current version with --root FILE`);
    const stored = await loadRootFile(String(argv['root']));
    const current = trust.verifyPinnedRoot(stored);
    if (action === 'show') {
      const r = current.root;
      ctx.out.result(`trust root version ${r.version}, expires ${r.expires}, threshold ${r.threshold} of ${current.keys.length}`);
      for (const k of current.keys) ctx.out.result(`  owner ${k.keyId} (${k.scheme})`);
      for (const id of r.revoked) ctx.out.result(`  revoked ${id}`);
      ctx.out.json({ ...r, digest: stored.digest });
      return;
    }
    if (signers.length === 0) throw new CairnError('INVALID_ARGUMENT', `trust ${String(action)}: give signing keys with --key`);
    if (action === 'sign') {
      const env = await trust.cosignRoot(stored.envelope, signers);
      await writeRoot(String(argv['out'] ?? argv['root']), env, ctx, current.root.version);
      return;
    }
    const revoke: string[] = [];
    for (const r of asList(argv['revoke-key'])) revoke.push(/^[0-9a-f]{64}$/.test(r) ? r : (await loadPublicKeyFile(r)).keyId);
    const next = trust.nextRoot(current, {
      addKeys: await Promise.all(asList(argv['add-key']).map(loadPublicKeyFile)),
      removeKeys: await Promise.all(asList(argv['remove-key']).map(loadPublicKeyFile)),
      revoke,
      threshold: argv['threshold'] === undefined ? undefined : Number(argv['threshold']),
      expires: trust.expiryIn(days(String(argv['expires']))),
    });
    await writeRoot(String(argv['out'] ?? `root.${next.version}.json`), await trust.signRoot(next, signers), ctx, next.version);
  },
};
