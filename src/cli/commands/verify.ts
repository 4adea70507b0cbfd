import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import { asList, loadPublicKeyFile, type CliContext, type CommandModule } from '../context.js';
import { registryOptions, storeAccess } from '../registry.js';
import type { LayoutSigners, VerifyContext } from '../../api/verify.js';
import { trustRootLine } from '../trust-report.js';

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

// Who must have signed the layout: the --layout-key keys, or the --trust-root walked (the
// facade walks it, with the rollback state in --trust-state).
async function layoutSigners(argv: Record<string, unknown>): Promise<LayoutSigners> {
  const files = asList(argv['layout-key']);
  const trustRoot = argv['trust-root'] as string | undefined;
  if (trustRoot && files.length > 0) throw new CairnError('INVALID_ARGUMENT', 'give either --layout-key or --trust-root, not both');
  if (trustRoot) {
    await (await import('../file-or-reference.js')).referenceOnly(trustRoot, '--trust-root');
    return { kind: 'trust-root', root: trustRoot };
  }
  if (files.length === 0) throw new CairnError('INVALID_ARGUMENT', 'give the layout owner\'s public key(s) with --layout-key, or a pinned --trust-root');
  return { kind: 'keys', keys: await Promise.all(files.map(loadPublicKeyFile)) };
}

// What both modes share: registry access, the trust-root state file, and what they print on the way.
async function verifyContext(argv: Record<string, unknown>, ctx: CliContext): Promise<VerifyContext> {
  const { trustStateFiles } = await import('../../api/trust.js');
  const subject = argv['subject'] as string | undefined;
  return {
    ...(await storeAccess(argv, ctx)),
    trustState: trustStateFiles(ctx.env, argv['trust-state'] as string | undefined),
    onWarning: (line) => ctx.out.warn(line),
    onEvent: (e) => {
      if (e.kind === 'trust-root-walked') ctx.out.info(trustRootLine(e.walk));
      else if (e.kind === 'layout-resolved') {
        if (!e.pinned) ctx.out.warn(`the layout was given by tag (${e.reference}): resolved once to ${e.digest}; pin it by digest`);
      } else {
        if (!e.pinned) ctx.out.warn(`${subject} was given by tag: resolved once to ${e.subject}; everything below is by digest (pin it to avoid the race)`);
        ctx.out.info(`verifying ${e.image}`);
      }
    },
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
    const signers = await layoutSigners(argv);
    const parameters = parseParams(asList(argv['param']));
    const { fileOrReference } = await import('../file-or-reference.js');
    const layoutText = String(argv['layout']);
    if (argv['subject']) {
      const layout = await fileOrReference(layoutText, '--layout');
      const { verifyImageCommand } = await import('../verify-image.js');
      return verifyImageCommand(String(argv['subject']), layout, signers, parameters, argv, ctx, await verifyContext(argv, ctx));
    }
    if (argv['allow-unbound']) throw new CairnError('INVALID_ARGUMENT', '--allow-unbound applies to `cairn verify IMAGE` only: local verification makes no claim about an image');
    if ((await fileOrReference(layoutText, '--layout')).kind === 'reference') {
      throw new CairnError('INVALID_ARGUMENT', `--layout ${layoutText}: verifying without an image reads the layout from a file; give the image to verify (cairn verify IMAGE@sha256:... --layout ${layoutText}), or the layout file (cairn layout pull writes one)`);
    }
    const { verifyLinkDir } = await import('../../api/verify.js');
    const { reportLines, verdictLine, VERIFY_JSON_SCHEMA_VERSION } = await import('../verify-report.js');
    const timeout = Number(argv['inspection-timeout']);
    const report = await verifyLinkDir({
      ...(await verifyContext(argv, ctx)),
      layoutFile: layoutText,
      signers,
      linkDir: String(argv['link-dir']),
      ...(parameters ? { parameters } : {}),
      inspections: { workDir: String(argv['work-dir']), inPlace: Boolean(argv['inspect-in-place']), timeoutMs: timeout > 0 ? timeout * 1000 : undefined },
    });
    for (const l of reportLines(report)) ctx.out.result(l);
    ctx.out.result(verdictLine(report));
    ctx.out.json({ schemaVersion: VERIFY_JSON_SCHEMA_VERSION, mode: 'local', ...report });
    return report.verdict === 'pass' ? 0 : 1;
  },
};
