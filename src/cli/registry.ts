import type { Argv } from 'yargs';
import { readFileSync } from 'node:fs';
import { CairnError, fsError } from '../errors.js';
import type { CliContext } from './context.js';
import type { RegistryAccess, StoreAccess } from '../api/access.js';

// What the registry commands (attest, attach, discover, copy, layout push/pull, run --attach)
// share: the connection flags, turned into the facade's StoreAccess.

/** Flags for reaching registries. */
export function registryOptions(y: Argv): Argv {
  return y
    .option('plain-http', { type: 'boolean', default: false, describe: 'speak HTTP, not HTTPS (the default for localhost and 127.0.0.0/8)' })
    .option('insecure', { type: 'boolean', default: false, describe: 'do not verify the registry\'s TLS certificate' })
    .option('ca-file', { type: 'string', describe: 'PEM file of CA certificates to trust (also turns on HTTPS for loopback)' })
    .option('username', { alias: 'u', type: 'string', describe: 'registry user name (with --password-stdin); default: Docker\'s config.json' })
    .option('password-stdin', { type: 'boolean', default: false, describe: 'read the registry password from standard input' })
    .option('registry-timeout', { type: 'number', default: 60, describe: 'seconds a registry has to answer a request in full, body included (one more per 64 MiB of a blob); an attempt that gets no answer is retried' });
}

let stdinPassword: Promise<string> | undefined;

/** The password given on standard input (--password-stdin), without its final newline; read once. */
export function stdinPasswordOnce(): Promise<string> {
  return (stdinPassword ??= readPassword());
}

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** The facade's store access from the parsed flags. */
export async function storeAccess(argv: Record<string, unknown>, ctx: CliContext): Promise<StoreAccess> {
  return { registry: await accessOptions(argv, ctx) };
}

/** Connection options from the parsed flags. */
export async function accessOptions(argv: Record<string, unknown>, ctx: CliContext): Promise<RegistryAccess> {
  const caFile = argv['ca-file'] as string | undefined;
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw fsError(err, caFile);
    }
  }
  const username = argv['username'] as string | undefined;
  let password: string | undefined;
  if (argv['password-stdin']) {
    if (username === undefined) throw new CairnError('INVALID_ARGUMENT', '--password-stdin needs --username');
    password = await stdinPasswordOnce();
  } else if (username !== undefined) {
    throw new CairnError('INVALID_ARGUMENT', '--username needs --password-stdin (passwords are never taken on the command line)');
  }
  const timeout = Number(argv['registry-timeout'] ?? 60);
  if (!(timeout > 0 && timeout <= 3600)) throw new CairnError('INVALID_ARGUMENT', `--registry-timeout ${String(argv['registry-timeout'])}: give seconds between 0 and 3600`);
  return {
    timeoutMs: Math.ceil(timeout * 1000),
    plainHttp: Boolean(argv['plain-http']),
    insecure: Boolean(argv['insecure']),
    ca,
    username,
    password,
    env: ctx.env,
    onDebug: (line) => ctx.out.trace(line),
  };
}

/** Flags shared by the commands that add referrers. */
export function referrerOptions(y: Argv): Argv {
  return y
    .option('force', { type: 'boolean', default: false, describe: 'attach even if the same document is already attached' })
    .option('referrer-tag', { type: 'boolean', default: true, hidden: true, describe: 'on registries without the referrers API, also tag each referrer (see docs/registry.md)' })
    .option('index-check', { type: 'boolean', default: true, hidden: true, describe: 're-read the sha256-<hex> index after writing and repair it (see docs/registry.md)' });
}

/** The hidden flags that tune tag-schema writes (see docs/registry.md). */
export function referrerFlags(argv: Record<string, unknown>) {
  return { referrerTag: argv['referrer-tag'] !== false, check: argv['index-check'] !== false };
}

/** How the commands that add referrers write them. */
export function attachWriteOptions(argv: Record<string, unknown>) {
  return { force: Boolean(argv['force']), referrer: referrerFlags(argv) };
}
