import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import { asList, loadPublicKeyFile, type CliContext, type CommandModule } from '../context.js';
import { registryOptions } from '../registry.js';
import type { PublicKey } from '../../crypto/index.js';
import type { RevokedCheck } from '../../verify/index.js';

// cairn verify: in-toto-verify, in two modes. Local: a signed layout, the keys that must have
// signed it, and a directory of links. Image: `cairn verify IMAGE@sha256:...`, with the
// evidence taken from the image's referrers and the image's own files as artifacts.
// The layout's signers are either --layout-key (every one must sign) or a trust root
// (a threshold of its current owners). Exit 0 pass, 1 fail, 2 bad input, 3 registry/disk.

/** Parses repeated `--param NAME=VALUE` into a dictionary (undefined when none is given). */
export function parseParams(list: string[]): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const p of list) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new CairnError('INVALID_ARGUMENT', `--param ${JSON.stringify(p)}: expected NAME=VALUE`);
    const name = p.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new CairnError('INVALID_ARGUMENT', `--param ${name} is given twice`);
    out[name] = p.slice(eq + 1);
  }
  return out;
}

/** Who must have signed the layout, and whose signatures no longer count. */
export interface LayoutKeys {
  keys: PublicKey[];
  threshold?: number;
  revoked?: RevokedCheck;
  parameters?: Record<string, string>;
}

async function layoutKeys(argv: Record<string, unknown>, ctx: CliContext): Promise<LayoutKeys> {
  const files = asList(argv['layout-key']);
  const parameters = parseParams(asList(argv['param']));
  const trustRoot = argv['trust-root'] as string | undefined;
  if (trustRoot && files.length > 0) throw new CairnError('INVALID_ARGUMENT', 'give either --layout-key or --trust-root, not both');
  if (trustRoot) await (await import('../file-or-reference.js')).referenceOnly(trustRoot, '--trust-root');
  if (!trustRoot) {
    if (files.length === 0) throw new CairnError('INVALID_ARGUMENT', 'give the layout owner\'s public key(s) with --layout-key, or a pinned --trust-root');
    return { keys: await Promise.all(files.map(loadPublicKeyFile)), ...(parameters ? { parameters } : {}) };
  }
  const { walkTrustRoot } = await import('../trust-root.js');
  const { isRevoked } = await import('../../trust/index.js');
  const walked = await walkTrustRoot(trustRoot, argv, ctx);
  return {
    keys: walked.keys,
    threshold: walked.root.threshold,
    revoked: (k) => isRevoked(walked.root, k.keyIds),
    ...(parameters ? { parameters } : {}),
  };
}

export const verifyCommand: CommandModule = {
  command: 'verify [subject]',
  describe: 'verify a supply chain against a signed layout: local links (in-toto-verify), or an image and its referrers',
  builder: (y: Argv) =>
    registryOptions(y)
      .positional('subject', { type: 'string', describe: 'an image (REF@sha256:... or oci:DIR@sha256:...): verify it and its attached evidence' })
      .option('layout', { alias: 'l', type: 'string', demandOption: true, describe: 'the signed layout: a file, or a reference to a pushed layout (pin it by digest)' })
      .option('layout-key', { alias: ['k', 'layout-keys'], type: 'string', array: true, describe: 'public key(s) that must all have signed the layout' })
      .option('trusted-root', { type: 'string', describe: 'Sigstore trusted_root.json (FILE or REF@sha256:...) for keyless bundles of steps with certificate_identities; verified offline' })
      .option('trust-root', { type: 'string', describe: 'REF@sha256:... of a pinned trust root version: the layout must be signed by a threshold of its newest owners' })
      .option('trust-state', { type: 'string', describe: 'file remembering the newest trust root version seen (default under $XDG_STATE_HOME/cairn/trust)' })
      .option('link-dir', { alias: 'd', type: 'string', default: '.', describe: 'local mode: directory with the links (<step>.<keyid8>.link, .intoto.jsonl)' })
      .option('platform', { type: 'string', describe: 'image mode: verify only this platform (os/arch[/variant]) of an index' })
      .option('param', { alias: 'P', type: 'string', array: true, describe: 'substitute {NAME} in rules, commands and inspections: NAME=VALUE' })
      .option('work-dir', { type: 'string', default: '.', describe: 'directory holding the final product, where inspections run' })
      .option('inspect-in-place', { type: 'boolean', default: false, describe: 'run inspections in --work-dir itself, not in a scratch copy of it' })
      .option('inspection-timeout', { type: 'number', default: 600, describe: 'seconds before an inspection is killed' })
      .option('allow-unbound', { type: 'boolean', default: false, describe: 'image mode, LOCAL EXPERIMENTS ONLY: verify a layout that does not bind the image (the verdict then says nothing about the image)' })
      .option('summary-key', { type: 'string', describe: 'image mode: sign a SLSA verification summary with this key and attach it to the image' })
      .option('password-env', { type: 'string', describe: 'environment variable holding the summary key\'s passphrase' })
      .option('key-type', { alias: 't', type: 'string', array: true, describe: 'accepted for in-toto compatibility; the type is read from the key file' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' })
      .example('cairn verify --layout root.layout --layout-key alice.pub --link-dir links', 'local links, like in-toto-verify')
      .example('cairn verify registry.example/app@sha256:... --layout registry.example/policy@sha256:... --layout-key alice.pub', 'an image and its referrers'),
  run: async (argv, ctx) => {
    const keys = await layoutKeys(argv, ctx);
    if (argv['subject']) {
      const { verifyImageCommand } = await import('../verify-image.js');
      return verifyImageCommand(String(argv['subject']), keys, argv, ctx);
    }
    if (argv['allow-unbound']) throw new CairnError('INVALID_ARGUMENT', '--allow-unbound applies to `cairn verify IMAGE` only: local verification makes no claim about an image');
    return verifyLocal(keys, argv, ctx);
  },
};

async function verifyLocal(keys: LayoutKeys, argv: Record<string, unknown>, ctx: CliContext): Promise<number> {
  const { readInputText } = await import('../../disk/index.js');
  const { readSignedDocument } = await import('../../intoto/index.js');
  const { verifyLayout, LocalInspectionRunner } = await import('../../verify/index.js');
  const { DirectoryEvidenceSource } = await import('../../evidence/index.js');
  const { reportLines, verdictLine, VERIFY_JSON_SCHEMA_VERSION } = await import('../verify-report.js');
  const layoutPath = String(argv['layout']);
  const { fileOrReference } = await import('../file-or-reference.js');
  if ((await fileOrReference(layoutPath, '--layout')).kind === 'reference') {
    throw new CairnError('INVALID_ARGUMENT', `--layout ${layoutPath}: verifying without an image reads the layout from a file; give the image to verify (cairn verify IMAGE@sha256:... --layout ${layoutPath}), or the layout file (cairn layout pull writes one)`);
  }
  const document = readSignedDocument(readInputText(layoutPath), layoutPath);
  const timeout = Number(argv['inspection-timeout']);
  const runner = new LocalInspectionRunner({
    workDir: String(argv['work-dir']),
    inPlace: Boolean(argv['inspect-in-place']),
    timeoutMs: timeout > 0 ? timeout * 1000 : undefined,
  });
  let report;
  try {
    report = await verifyLayout({
      layout: document,
      layoutKeys: keys.keys,
      ...(keys.threshold ? { layoutThreshold: keys.threshold } : {}),
      ...(keys.revoked ? { revoked: keys.revoked } : {}),
      evidence: new DirectoryEvidenceSource(String(argv['link-dir'])),
      ...(keys.parameters ? { parameters: keys.parameters } : {}),
      inspections: runner,
      origin: layoutPath,
    });
  } finally {
    runner.dispose();
  }
  for (const l of reportLines(report)) ctx.out.result(l);
  ctx.out.result(verdictLine(report));
  ctx.out.json({ schemaVersion: VERIFY_JSON_SCHEMA_VERSION, mode: 'local', ...report });
  return report.verdict === 'pass' ? 0 : 1;
}
