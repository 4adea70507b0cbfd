import { existsSync } from 'node:fs';
import { CairnError } from '../errors.js';
import { encodeKeyPair, generateKey, loadPrivateKey, loadPublicKey, type GenerateType, type PrivateKey, type PublicKey } from '../crypto/index.js';
import { writeFileAtomic } from '../disk/index.js';
import { diskReader, type FileReader } from './files.js';

// Keys as files: the job of `cairn key generate`, and reading the key files every other job is
// given (PEM or securesystemslib JSON).

export type { GenerateType, PrivateKey, PublicKey };

/** A public key file (or the public half of a private key file). */
export function readPublicKeyFile(path: string, read: FileReader = diskReader): PublicKey {
  return loadPublicKey(read(path).toString('utf8'), path);
}

/** A private key file, decrypted with `password` when it is encrypted. */
export function readPrivateKeyFile(path: string, password?: string, read: FileReader = diskReader): PrivateKey {
  return loadPrivateKey(read(path).toString('utf8'), { where: path, ...(password !== undefined ? { password } : {}) });
}

/** What generateKeyFiles wrote. */
export interface GeneratedKeyFiles {
  readonly privatePath: string;
  readonly publicPath: string;
  readonly key: PrivateKey;
}

/** Writes a new key pair: PREFIX (private, PKCS#8, mode 0600) and PREFIX.pub (SPKI). */
export function generateKeyFiles(o: { prefix: string; type: GenerateType; password?: string; overwrite?: boolean }): GeneratedKeyFiles {
  const key = generateKey(o.type);
  const { privatePem, publicPem } = encodeKeyPair(key, o.password);
  const overwrite = o.overwrite ?? false;
  const publicPath = `${o.prefix}.pub`;
  if (!overwrite) {
    // check both before writing either, so a refusal leaves nothing half done
    for (const p of [o.prefix, publicPath]) {
      if (existsSync(p)) throw new CairnError('ALREADY_EXISTS', 'file exists', { where: p, details: { reason: 'file-exists' } });
    }
  }
  writeFileAtomic(o.prefix, privatePem, { mode: 0o600, overwrite });
  writeFileAtomic(publicPath, publicPem, { overwrite });
  return { privatePath: o.prefix, publicPath, key };
}
