import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import type { Envelope } from '../../schema/index.js';
import { asList, loadKeyFile, loadPublicKeyFile, type CliContext, type CommandModule } from '../context.js';
import { openReference, registryOptions, withStores } from '../registry.js';

// cairn trust init | rotate | sign | show | push: the owner keys of a project, versioned and
// signed like TUF's root role. Versions are files until `trust push` stores them in a registry
// or OCI layout (tag root.<version>); `--root` and `show` take a file or a pinned reference.

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
  const args = asList(argv['args']);
  if (action === 'push') return pushRoot(args, argv, ctx);
  const rootText = action === 'show' && args[0] ? args[0] : (argv['root'] as string | undefined);
  if (!rootText) throw new CairnError('INVALID_ARGUMENT', `trust ${String(action)}: give the current version with --root FILE or REF@sha256:...`);
  let stored: { envelope: Envelope; digest: string };
  let current: Awaited<ReturnType<typeof trust.verifyPinnedRoot>>;
  const { fileOrReference, fileOrKeyid } = await import('../file-or-reference.js');
  const rootInput = await fileOrReference(rootText, action === 'show' && args[0] ? 'trust show' : '--root');
  if (rootInput.kind === 'file') {
    stored = await loadRootFile(rootText);
    current = trust.verifyPinnedRoot(stored);
  } else {
    const { walkTrustRoot } = await import('../trust-root.js');
    current = await walkTrustRoot(rootText, argv, ctx);
    stored = { envelope: await fetchEnvelope(current.digest, rootText, argv, ctx), digest: current.digest };
  }
  if (action === 'show') {
    const r = current.root;
    ctx.out.result(`trust root version ${r.version} (${stored.digest}), expires ${r.expires}, threshold ${r.threshold} of ${current.keys.length}`);
    for (const c of current.chain) ctx.out.result(`  version ${c.version}: ${c.digest}, signed by ${c.signedBy.map((k) => k.slice(0, 8)).join(', ')}`);
    for (const k of current.keys) ctx.out.result(`  owner ${k.keyId} (${k.scheme})`);
    for (const id of r.revoked) ctx.out.result(`  revoked ${id}`);
    ctx.out.json({ ...r, digest: stored.digest, chain: current.chain });
    return;
  }
  if (signers.length === 0) throw new CairnError('INVALID_ARGUMENT', `trust ${String(action)}: give signing keys with --key`);
  if (action === 'sign') {
    const env = await trust.cosignRoot(stored.envelope, signers);
    await writeRoot(String(argv['out'] ?? (rootInput.kind === 'file' ? rootText : `root.${current.root.version}.json`)), env, ctx, current.root.version);
    return;
  }
  const revoke: string[] = [];
  for (const r of asList(argv['revoke-key'])) {
    const input = fileOrKeyid(r, '--revoke-key');
    revoke.push(input.kind === 'keyid' ? input.keyid : (await loadPublicKeyFile(input.path)).keyId);
  }
  const next = trust.nextRoot(current, {
    addKeys: await Promise.all(asList(argv['add-key']).map(loadPublicKeyFile)),
    removeKeys: await Promise.all(asList(argv['remove-key']).map(loadPublicKeyFile)),
    revoke,
    threshold: argv['threshold'] === undefined ? undefined : Number(argv['threshold']),
    expires: trust.expiryIn(days(String(argv['expires']))),
  });
  await writeRoot(String(argv['out'] ?? `root.${next.version}.json`), await trust.signRoot(next, signers), ctx, next.version);
}

// The envelope of a version already walked (fetched again by its digest, not by tag).
async function fetchEnvelope(digest: string, text: string, argv: Record<string, unknown>, ctx: CliContext): Promise<Envelope> {
  const { resolveReference, withDigest, parseReference } = await import('../../oci/index.js');
  const { readTrustRoot } = await import('../../attest/index.js');
  const { parseDigest } = await import('../../digest/index.js');
  const { store } = await openReference(text, argv, ctx);
  return withStores([store], async () => {
    const desc = await resolveReference(store, withDigest(parseReference(text), parseDigest(digest)));
    return (await readTrustRoot(store, desc)).envelope;
  });
}

// cairn trust push FILE REF: stores a version as an artifact tagged root.<version>.
async function pushRoot(args: string[], argv: Record<string, unknown>, ctx: CliContext): Promise<void> {
  const [file, refText] = args;
  if (!file || !refText) throw new CairnError('INVALID_ARGUMENT', 'trust push: give the version file and the repository: cairn trust push root.2.json REGISTRY/REPO');
  const trust = await import('../../trust/index.js');
  const { readInputFile } = await import('../../disk/index.js');
  const { pushTrustRoot, rootTag } = await import('../../attest/index.js');
  const { formatReference } = await import('../../oci/index.js');
  const stored = await loadRootFile(file);
  const root = trust.verifyPinnedRoot(stored).root;
  const bytes = readInputFile(file);
  const { store, ref } = await openReference(refText, argv, ctx, true);
  if (ref.tag || ref.digest) ctx.out.warn(`trust push stores version ${root.version} under the tag ${`root.${root.version}`}; the tag or digest in ${refText} is ignored`);
  await withStores([store], async () => {
    const desc = await pushTrustRoot(store, stored.envelope, bytes, root.version);
    ctx.out.result(desc.digest);
    const repo = formatReference({ ...ref, tag: undefined, digest: undefined });
    ctx.out.info(`pushed trust root version ${root.version} as ${repo}:${rootTag(root.version)}${root.version === 1 ? `; verifiers pin it: --trust-root ${repo}@${desc.digest}` : ''}`);
    ctx.out.json({ digest: desc.digest, version: root.version, tag: rootTag(root.version) });
  });
}
