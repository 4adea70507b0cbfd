import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import type { GenerateType } from '../../api/keys.js';
import { asList, loadPublicKeyFile, passwordFromEnv, type CommandModule } from '../context.js';

// cairn key generate | cairn key show: each its own subcommand, with its own --help.

const keyGenerate: CommandModule = {
  command: 'generate',
  describe: 'write a signing key pair: PREFIX (private, PKCS#8, mode 0600) and PREFIX.pub (SPKI)',
  builder: (y: Argv) =>
    y
      .option('type', { alias: 't', choices: ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'rsa'] as const, default: 'ed25519' as const, describe: 'key type' })
      .option('out', { alias: 'o', type: 'string', default: 'cairn', describe: 'file prefix: writes PREFIX (private, mode 0600) and PREFIX.pub' })
      .option('force', { type: 'boolean', default: false, describe: 'replace existing key files' })
      .option('password-env', { type: 'string', describe: 'encrypt the private key with the passphrase in this environment variable' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' })
      .example('cairn key generate --type ecdsa-p256 --out alice', 'alice and alice.pub'),
  run: async (argv, ctx) => {
    const { generateKeyFiles } = await import('../../api/keys.js');
    const password = passwordFromEnv(ctx.env, argv['password-env'] as string | undefined);
    const w = generateKeyFiles({ prefix: String(argv['out']), type: argv['type'] as GenerateType, overwrite: Boolean(argv['force']), ...(password !== undefined ? { password } : {}) });
    const k = w.key.publicKey;
    ctx.out.result(`wrote ${w.privatePath} and ${w.publicPath} (${k.scheme}, keyid ${k.keyId})`);
    ctx.out.json({ private: w.privatePath, public: w.publicPath, scheme: k.scheme, keyid: k.keyId });
  },
};

const keyShow: CommandModule = {
  command: 'show <files..>',
  describe: 'show key files\' type, scheme and keyids (legacy and new in-toto keyids)',
  builder: (y: Argv) =>
    y
      .positional('files', { type: 'string', array: true, describe: 'public or private key files (PEM or securesystemslib JSON)' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' }),
  run: async (argv, ctx) => {
    const files = asList(argv['files']);
    if (files.length === 0) throw new CairnError('INVALID_ARGUMENT', 'key show: give one or more key files');
    const shown = [];
    for (const f of files) {
      const k = await loadPublicKeyFile(f);
      shown.push({ file: f, keytype: k.keyType, scheme: k.scheme, keyid: k.keyId, keyids: [...k.keyIds] });
      ctx.out.result(`${f}: ${k.scheme} keyid ${k.keyId}`);
    }
    ctx.out.json(shown);
  },
};

// `cairn key`: only its subcommands do anything.
export const keyCommand: CommandModule = {
  command: 'key',
  describe: 'generate a signing key pair, or show a key\'s type and keyids',
  builder: (y: Argv) => y,
  run: async () => 2,
  subcommands: [keyGenerate, keyShow],
};
