import { spawn } from 'node:child_process';
import { CairnError } from '../../errors.js';
import { CredentialHelperOutputSchema } from '../../schema/index.js';
import type { Credentials } from './credentials.js';

// Spec: https://github.com/docker/docker-credential-helpers#development (the helper protocol)
// `docker-credential-<name> get|store|erase`: get reads the server URL on stdin and prints
// {"ServerURL","Username","Secret"}; store reads that JSON; erase reads the server URL.
// "credentials not found" from get or erase is an answer, not a failure. A helper's output
// may hold a secret: no message quotes it.

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

interface HelperRun {
  code: number | null;
  stdout: string;
}

function runHelper(name: string, action: 'get' | 'store' | 'erase', input: string, env: NodeJS.ProcessEnv): Promise<HelperRun> {
  const program = `docker-credential-${name}`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return Promise.reject(new CairnError('INVALID_ARGUMENT', `invalid credential helper name ${JSON.stringify(name)}`));
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
    const out: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1024 * 1024) out.push(c);
    });
    child.stderr.resume();
    child.stdin.on('error', () => undefined); // a helper that exits without reading
    child.on('error', (err) => reject(new CairnError('UNAUTHORIZED', `cannot run credential helper ${program}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err })));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8') }));
    child.stdin.end(input);
  });
}

/** `get`: the helper's credentials for `serverUrl`, or none. */
export async function helperGet(name: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`;
  const r = await runHelper(name, 'get', serverUrl, env);
  if (r.code !== 0) {
    if (/credentials not found/i.test(r.stdout)) return undefined;
    throw new CairnError('UNAUTHORIZED', `credential helper ${program} failed (exit ${r.code})`);
  }
  const parsed = CredentialHelperOutputSchema.safeParse(safeJson(r.stdout));
  if (!parsed.success) throw new CairnError('UNAUTHORIZED', `credential helper ${program} printed something that is not {"Username","Secret"}`);
  const { Username, Secret } = parsed.data;
  return Username === '<token>' ? { kind: 'identity-token', token: Secret } : { kind: 'basic', username: Username, password: Secret };
}

/** `store`: hands the helper a user name and password for `serverUrl`. */
export async function helperStore(name: string, serverUrl: string, username: string, password: string, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await runHelper(name, 'store', JSON.stringify({ ServerURL: serverUrl, Username: username, Secret: password }), env);
  if (r.code !== 0) throw new CairnError('IO_ERROR', `credential helper docker-credential-${name} could not store the credentials (exit ${r.code})`);
}

/** `erase`: removes the helper's credentials for `serverUrl`; false when it had none. */
export async function helperErase(name: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const r = await runHelper(name, 'erase', serverUrl, env);
  if (r.code === 0) return true;
  if (/credentials not found/i.test(r.stdout)) return false;
  throw new CairnError('IO_ERROR', `credential helper docker-credential-${name} could not erase the credentials (exit ${r.code})`);
}
