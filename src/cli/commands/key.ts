import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import type { GenerateType } from '../../crypto/index.js';
import { asList, loadPublicKeyFile, passwordFromEnv, type CommandModule } from '../context.js';

// cairn key generate | cairn key show

export const keyCommand: CommandModule = {
  command: 'key <action> [files..]',
  describe: 'generate a signing key pair, or show a key\'s type and keyids',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['generate', 'show'] as const, describe: 'generate: write PREFIX and PREFIX.pub; show: describe key files' })
      .positional('files', { type: 'string', array: true, describe: 'key files (show)' })
      .option('type', { alias: 't', choices: ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'rsa'] as const, default: 'ed25519' as const, describe: 'key type (generate)' })
      .option('out', { alias: 'o', type: 'string', default: 'cairn', describe: 'file prefix: writes PREFIX (private, mode 0600) and PREFIX.pub' })
      .option('force', { type: 'boolean', default: false, describe: 'replace existing key files' })
      .option('password-env', { type: 'string', describe: 'encrypt the private key with the passphrase in this environment variable' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const }),
  run: async (argv, ctx) => {
    const crypto = await import('../../crypto/index.js');
    if (argv['action'] === 'show') {
      const files = asList(argv['files']);
      if (files.length === 0) throw new CairnError('INVALID_ARGUMENT', 'key show: give one or more key files');
      const shown = [];
      for (const f of files) {
        const k = await loadPublicKeyFile(f);
        shown.push({ file: f, keytype: k.keyType, scheme: k.scheme, keyid: k.keyId, keyids: [...k.keyIds] });
        ctx.out.result(`${f}: ${k.scheme} keyid ${k.keyId}`);
      }
      ctx.out.json(shown);
      return;
    }
    const { writeFileAtomic } = await import('../../disk/index.js');
    const prefix = String(argv['out']);
    const password = passwordFromEnv(ctx.env, argv['password-env'] as string | undefined);
    const key = crypto.generateKey(argv['type'] as GenerateType);
    const { privatePem, publicPem } = crypto.encodeKeyPair(key, password);
    const overwrite = Boolean(argv['force']);
    const pubPath = `${prefix}.pub`;
    if (!overwrite) {
      // check both before writing either, so a refusal leaves nothing half done
      const { existsSync } = await import('node:fs');
      for (const p of [prefix, pubPath]) {
        if (existsSync(p)) throw new CairnError('ALREADY_EXISTS', 'file exists (use --force to replace it)', { where: p });
      }
    }
    writeFileAtomic(prefix, privatePem, { mode: 0o600, overwrite });
    writeFileAtomic(pubPath, publicPem, { overwrite });
    ctx.out.result(`wrote ${prefix} and ${pubPath} (${key.publicKey.scheme}, keyid ${key.publicKey.keyId})`);
    ctx.out.json({ private: prefix, public: pubPath, scheme: key.publicKey.scheme, keyid: key.publicKey.keyId });
  },
};
