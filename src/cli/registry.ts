import type { Argv } from 'yargs';
import { readFileSync } from 'node:fs';
import { CairnError, fsError } from '../errors.js';
import type { CliContext } from './context.js';
import type { Reference, Store, OpenOptions } from '../oci/index.js';
import type { SignedDocument } from '../intoto/index.js';

// What the registry commands (attest, attach, discover, copy, layout push/pull, run --attach)
// share: the connection flags, opening a store from a reference, and closing it afterwards.

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

/** Connection options from the parsed flags. */
export async function accessOptions(argv: Record<string, unknown>, ctx: CliContext): Promise<OpenOptions> {
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

/** Parses a reference and opens its store. */
export async function openReference(text: string, argv: Record<string, unknown>, ctx: CliContext, create = false): Promise<{ ref: Reference; store: Store }> {
  const { parseReference, openStore } = await import('../oci/index.js');
  const ref = parseReference(text);
  const store = await openStore(ref, { ...(await accessOptions(argv, ctx)), create });
  return { ref, store };
}

/** Runs `fn` and closes the stores' connections afterwards. */
export async function withStores<T>(stores: Store[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    const { closeStore } = await import('../oci/index.js');
    await Promise.all(stores.map((s) => closeStore(s).catch(() => undefined)));
  }
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

/** `cairn run --attach`: pushes the link just written as a referrer of the image; returns its digest. */
export async function attachWritten(subjectText: string, doc: SignedDocument, argv: Record<string, unknown>, ctx: CliContext): Promise<{ subject: string; referrer: string }> {
  const { resolveReference } = await import('../oci/index.js');
  const { attach } = await import('../attest/index.js');
  const { ref, store } = await openReference(subjectText, argv, ctx);
  return withStores([store], async () => {
    const subject = await resolveReference(store, ref);
    const r = await attach(store, subject, doc, { referrer: referrerFlags(argv) });
    ctx.out.info(`attached the link to ${store.location}@${subject.digest} as ${r.descriptor.digest}`);
    return { subject: subject.digest, referrer: r.descriptor.digest };
  });
}
