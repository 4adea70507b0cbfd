import { spawn } from 'node:child_process';
import { CairnError } from '../errors.js';

// Runs a step's command, capturing its output as byproducts, and passing it through to the
// caller's callback (in-toto's run_duplicate_streams). Python reports death by signal N as
// return value -N; so does Cairn.

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Capture stdout and stderr into the byproducts (in-toto `--record-streams`). */
  recordStreams?: boolean;
  /** Called with each chunk of output as it arrives. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Kill the command after this many milliseconds. */
  timeoutMs?: number;
}

/** in-toto's byproducts of running a command. */
export interface Byproducts {
  'return-value': number;
  stdout: string;
  stderr: string;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

/** Runs `command` (argv, no shell) and resolves with its byproducts; a missing command is COMMAND_FAILED. */
export function execCommand(command: string[], options: ExecOptions = {}): Promise<Byproducts> {
  const [file, ...args] = command;
  if (!file) return Promise.reject(new CairnError('INVALID_ARGUMENT', 'no command given'));
  const record = options.recordStreams ?? true;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['inherit', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => {
      if (record) out.push(c);
      options.onOutput?.('stdout', c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (record) err.push(c);
      options.onOutput?.('stderr', c);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? 'command not found' : e.code === 'EACCES' ? 'command is not executable' : e.message;
      reject(new CairnError('COMMAND_FAILED', `${why}: ${file}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      resolvePromise({
        'return-value': code ?? -(SIGNALS[signal ?? ''] ?? 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}
