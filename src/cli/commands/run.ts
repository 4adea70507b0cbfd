import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import { asList, loadKeyFile, type CliContext, type CommandModule } from '../context.js';
import { referrerFlags, registryOptions, storeAccess } from '../registry.js';

// cairn run: in-toto-run. The short flags are in-toto's, so that its users feel at home.

/** Options shared by `run` and `record`: in-toto's artifact and key flags. */
export function stepOptions(y: Argv): Argv {
  return y
    .option('step', { alias: ['n', 'step-name', 'name'], type: 'string', demandOption: true, describe: 'step name, as in the layout' })
    .option('key', { alias: ['k', 'signing-key'], type: 'string', demandOption: true, describe: 'private key file (PEM or securesystemslib JSON)' })
    .option('key-type', { alias: 't', type: 'string', describe: 'accepted for in-toto compatibility; the type is read from the key file' })
    .option('password-env', { type: 'string', describe: 'environment variable holding the key passphrase' })
    .option('materials', { alias: 'm', type: 'string', array: true, describe: 'files or directories consumed' })
    .option('products', { alias: 'p', type: 'string', array: true, describe: 'files or directories produced' })
    .option('exclude', { alias: 'e', type: 'string', array: true, describe: 'gitignore-style exclude patterns (replace the defaults)' })
    .option('base-path', { type: 'string', describe: 'record artifact paths relative to this directory' })
    .option('lstrip-paths', { type: 'string', array: true, describe: 'strip these prefixes from recorded paths' })
    .option('follow-symlink-dirs', { type: 'boolean', default: false, describe: 'descend into symlinked directories' })
    .option('normalize-line-endings', { alias: 'l', type: 'boolean', default: false, describe: 'hash text with CRLF/CR as LF' })
    .option('format', { choices: ['legacy', 'dsse'] as const, default: 'legacy' as const, describe: 'Metablock (in-toto 1.x) or DSSE Statement' })
    .option('metadata-directory', { alias: ['d', 'out'], type: 'string', default: '.', describe: 'where to write the link' })
    .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' });
}

/** Maps parsed flags to the library's artifact options. */
export function artifactOptions(argv: Record<string, unknown>, ctx: CliContext) {
  return {
    excludePatterns: asList(argv['exclude']),
    basePath: argv['base-path'] as string | undefined,
    lstripPaths: asList(argv['lstrip-paths']),
    followSymlinkDirs: Boolean(argv['follow-symlink-dirs']),
    normalizeLineEndings: Boolean(argv['normalize-line-endings']),
    onSkip: (path: string, reason: string) => ctx.out.info(`skipping ${path}: ${reason}`),
  };
}

export const runCommand: CommandModule = {
  command: 'run [command..]',
  describe: 'record materials, run a command, record products, and write a signed link',
  builder: (y: Argv) =>
    registryOptions(stepOptions(y))
      .positional('command', { type: 'string', array: true, describe: 'the command, after --' })
      .option('no-command', { alias: 'x', type: 'boolean', default: false, describe: 'record without running a command' })
      .option('record-streams', { alias: 's', type: 'boolean', default: true, describe: 'capture stdout/stderr as byproducts' })
      .option('timeout', { type: 'number', describe: 'kill the command after this many seconds' })
      .option('attach', { type: 'string', describe: 'also push the link as a referrer of this image (host/repo:tag or oci:DIR:tag)' })
      .example('cairn run -n build -k alice -m src -p dist -- make', ''),
  run: async (argv, ctx) => {
    const { runAndSignStep } = await import('../../api/steps.js');
    const command = [...asList(argv['command']), ...asList(argv['--'])];
    if (argv['no-command'] && command.length > 0) throw new CairnError('INVALID_ARGUMENT', '--no-command cannot be given with a command');
    if (!argv['no-command'] && command.length === 0) throw new CairnError('INVALID_ARGUMENT', 'give a command after --, or --no-command');
    const key = await loadKeyFile(String(argv['key']), ctx.env, argv['password-env'] as string | undefined);
    const format = argv['format'] as 'legacy' | 'dsse';
    const written = await runAndSignStep({
      name: String(argv['step']),
      materials: asList(argv['materials']),
      products: asList(argv['products']),
      command,
      recordStreams: Boolean(argv['record-streams']),
      timeoutMs: typeof argv['timeout'] === 'number' ? argv['timeout'] * 1000 : undefined,
      onOutput: (s, c) => ctx.out.passthrough(s, c),
      ...artifactOptions(argv, ctx),
      key,
      format,
      dir: String(argv['metadata-directory']),
    });
    ctx.out.info(`wrote ${written.path}`);
    let attached: { subject: string; referrer: string } | undefined;
    if (argv['attach']) {
      const { attachDocument } = await import('../../api/attest.js');
      const r = await attachDocument({ ...(await storeAccess(argv, ctx)), subject: String(argv['attach']), document: written.document, referrer: referrerFlags(argv) });
      ctx.out.info(`attached the link to ${r.location}@${r.subject} as ${r.referrer}`);
      attached = { subject: r.subject, referrer: r.referrer };
    }
    ctx.out.json({ link: written.path, step: written.link.name, keyid: key.publicKey.keyId, format, ...(attached ? { attached } : {}) });
  },
};
