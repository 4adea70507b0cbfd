import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import { asList, loadKeyFile, loadPublicKeyFile, type CliContext, type CommandModule } from '../context.js';
import { registryOptions, storeAccess } from '../registry.js';
import type { TrustRootSource, WalkOptions } from '../../api/trust.js';
import { trustRootLine } from '../trust-report.js';

// cairn trust init | rotate | sign | show | push: the owner keys of a project, versioned and
// signed like TUF's root role (the facade: src/api/trust.ts). Versions are files until `trust
// push` stores them in a registry or OCI layout (tag root.<version>); `--root` and `show` take a
// file or a pinned reference, walked to the newest version with the rollback state in --trust-state.

function days(spec: string): number {
  const m = /^(\d+)d$/.exec(spec);
  if (!m) throw new CairnError('INVALID_ARGUMENT', `--expires ${spec}: expected a number of days such as 365d`);
  return Number(m[1]);
}

function wrote(r: { file: string; version: number }, ctx: CliContext): void {
  ctx.out.result(`wrote ${r.file} (trust root version ${r.version})`);
  ctx.out.json(r);
}

const OUTPUT = { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' };

// Options of the subcommands that write a new version.
function versionOptions(y: Argv): Argv {
  return y
    .option('key', { alias: 'k', type: 'string', array: true, describe: 'private key(s) that sign this version' })
    .option('password-env', { type: 'string', describe: 'environment variable holding the keys\' passphrase' })
    .option('threshold', { type: 'number', describe: 'owner signatures needed for a layout and for the next version' })
    .option('expires', { type: 'string', default: '365d', describe: 'validity of this version, e.g. 365d' })
    .option('out', { alias: 'o', type: 'string', describe: 'file to write (default root.<version>.json)' })
    .option('output', OUTPUT);
}

const rootOption = { type: 'string', describe: 'the current version: a file, or REF@sha256:... of a pinned version (walked to the newest)' } as const;
const stateOption = { type: 'string', describe: 'with a reference: file remembering the newest version seen' } as const;

// Each subcommand has its own options and --help; they share trustRun, which dispatches on the action.
const sub = (action: string, command: string, describe: string, builder: (y: Argv) => Argv): CommandModule => ({
  command,
  describe,
  builder,
  run: (argv, ctx) => trustRun({ ...argv, action, args: asList(argv['file']).concat(asList(argv['repository']), asList(argv['reference'])) }, ctx),
});

export const trustCommand: CommandModule = {
  command: 'trust',
  describe: 'manage the trust root: the owner keys allowed to sign layouts (rotation, revocation)',
  builder: (y: Argv) => y,
  run: async () => 2,
  subcommands: [
    sub('init', 'init', 'write version 1: the first owners and their threshold', (y) =>
      versionOptions(y).option('owner', { type: 'string', array: true, describe: 'public keys of the owners (default: the --key keys)' })),
    sub('rotate', 'rotate', 'write the next version: add, remove or revoke keys; signed by old and new owners', (y) =>
      versionOptions(registryOptions(y))
        .option('root', rootOption)
        .option('trust-state', stateOption)
        .option('add-key', { type: 'string', array: true, describe: 'public key of a new owner' })
        .option('remove-key', { type: 'string', array: true, describe: 'public key of an owner to drop' })
        .option('revoke-key', { type: 'string', array: true, describe: 'public key file or keyid to revoke everywhere' })),
    sub('sign', 'sign', 'add signatures to a version (another owner co-signs)', (y) => versionOptions(registryOptions(y)).option('root', rootOption).option('trust-state', stateOption)),
    sub('show', 'show [reference]', 'show a version, its chain of signers and its owners', (y) =>
      registryOptions(y)
        .positional('reference', { type: 'string', describe: 'REF@sha256:... of a pinned version (or give --root FILE)' })
        .option('root', rootOption)
        .option('trust-state', stateOption)
        .option('output', OUTPUT)),
    sub('push', 'push <file> <repository>', 'store a version in a registry or oci: directory, tagged root.<version>', (y) =>
      registryOptions(y)
        .positional('file', { type: 'string', describe: 'the version file (root.N.json)' })
        .positional('repository', { type: 'string', describe: 'REGISTRY/REPO or oci:DIR' })
        .option('output', OUTPUT)),
  ],
};

async function trustRun(argv: Record<string, unknown>, ctx: CliContext): Promise<void> {
  const trust = await import('../../api/trust.js');
  const signers = await Promise.all(asList(argv['key']).map((k) => loadKeyFile(k, ctx.env, argv['password-env'] as string | undefined)));
  const action = argv['action'];
  if (action === 'init') {
    if (signers.length === 0) throw new CairnError('INVALID_ARGUMENT', 'trust init: give the owners\' private keys with --key');
    const owners = argv['owner'] ? await Promise.all(asList(argv['owner']).map(loadPublicKeyFile)) : undefined;
    return wrote(await trust.initTrustRoot({ signers, ...(owners ? { owners } : {}), threshold: Number(argv['threshold'] ?? 1), expiresDays: days(String(argv['expires'])), out: String(argv['out'] ?? 'root.1.json') }), ctx);
  }
  const args = asList(argv['args']);
  if (action === 'push') return pushRoot(args, argv, ctx);
  const rootText = action === 'show' && args[0] ? args[0] : (argv['root'] as string | undefined);
  if (!rootText) throw new CairnError('INVALID_ARGUMENT', `trust ${String(action)}: give the current version with --root FILE or REF@sha256:...`);
  const { fileOrReference, fileOrKeyid } = await import('../file-or-reference.js');
  const rootInput = await fileOrReference(rootText, action === 'show' && args[0] ? 'trust show' : '--root');
  const source: TrustRootSource = rootInput.kind === 'file' ? { file: rootText } : { pinned: rootText };
  const walk: WalkOptions = {
    ...(await storeAccess(argv, ctx)),
    state: trust.trustStateFiles(ctx.env, argv['trust-state'] as string | undefined),
    onWarning: (line) => ctx.out.warn(line),
    onWalked: (w) => ctx.out.info(trustRootLine(w)),
  };
  if (action === 'show') {
    const { stored, current } = await trust.loadTrustRoot(source, walk);
    const r = current.root;
    ctx.out.result(`trust root version ${r.version} (${stored.digest}), expires ${r.expires}, threshold ${r.threshold} of ${current.keys.length}`);
    for (const c of current.chain) ctx.out.result(`  version ${c.version}: ${c.digest}, signed by ${c.signedBy.map((k) => k.slice(0, 8)).join(', ')}`);
    for (const k of current.keys) ctx.out.result(`  owner ${k.keyId} (${k.scheme})`);
    for (const id of r.revoked) ctx.out.result(`  revoked ${id}`);
    ctx.out.json({ ...r, digest: stored.digest, chain: current.chain });
    return;
  }
  if (signers.length === 0) throw new CairnError('INVALID_ARGUMENT', `trust ${String(action)}: give signing keys with --key`);
  const out = argv['out'] !== undefined ? { out: String(argv['out']) } : {};
  if (action === 'sign') return wrote(await trust.cosignTrustRoot(source, { ...walk, signers, ...out }), ctx);
  const revoke: string[] = [];
  for (const r of asList(argv['revoke-key'])) {
    const input = fileOrKeyid(r, '--revoke-key');
    revoke.push(input.kind === 'keyid' ? input.keyid : (await loadPublicKeyFile(input.path)).keyId);
  }
  wrote(await trust.rotateTrustRoot(source, {
    ...walk,
    signers,
    addKeys: await Promise.all(asList(argv['add-key']).map(loadPublicKeyFile)),
    removeKeys: await Promise.all(asList(argv['remove-key']).map(loadPublicKeyFile)),
    revoke,
    ...(argv['threshold'] !== undefined ? { threshold: Number(argv['threshold']) } : {}),
    expiresDays: days(String(argv['expires'])),
    ...out,
  }), ctx);
}

// cairn trust push FILE REF: stores a version as an artifact tagged root.<version>.
async function pushRoot(args: string[], argv: Record<string, unknown>, ctx: CliContext): Promise<void> {
  const [file, refText] = args;
  if (!file || !refText) throw new CairnError('INVALID_ARGUMENT', 'trust push: give the version file and the repository: cairn trust push root.2.json REGISTRY/REPO');
  const { pushTrustRootFile } = await import('../../api/trust.js');
  const r = await pushTrustRootFile({ ...(await storeAccess(argv, ctx)), file, repository: refText });
  if (r.ignored) ctx.out.warn(`trust push stores version ${r.version} under the tag ${r.tag}; the tag or digest in ${refText} is ignored`);
  ctx.out.result(r.digest);
  ctx.out.info(`pushed trust root version ${r.version} as ${r.repository}:${r.tag}${r.version === 1 ? `; verifiers pin it: --trust-root ${r.repository}@${r.digest}` : ''}`);
  ctx.out.json({ digest: r.digest, version: r.version, tag: r.tag });
}
