import { spawn, type ChildProcess } from 'node:child_process';
import { CAIRN_BIN } from './paths.js';

// `cairn serve` as a child process: its JSON log lines collected, its port read from the
// "listening" line, stopped by its own pid with SIGTERM (never by name).

export interface ServeProcess {
  port: number;
  url: string;
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Waits for a log line matching `pred` (up to `ms`). */
  waitFor(pred: (r: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number>;
  child: ChildProcess;
}

/** Starts `cairn serve` (`bin`: another build's bin/cairn.js, for the bench's before/after runs). */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = process.env, bin = CAIRN_BIN): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...(env['CAIRN_SERVE_PROFILE'] ? [`--cpu-prof`, `--cpu-prof-dir=${env['CAIRN_SERVE_PROFILE']}`] : []), bin, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  let err = '';
  let partial = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (c: Buffer) => {
    partial += c.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      try {
        logs.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        logs.push({ unparsed: l });
      }
    }
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  let exitCode: number | undefined;
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => { exitCode = code ?? -1; for (const w of waiters.splice(0)) w(); resolve(exitCode); }));
  const waitFor = async (pred: (r: Record<string, unknown>) => boolean, ms = 20_000) => {
    const until = Date.now() + ms;
    for (;;) {
      const found = logs.find(pred);
      if (found) return found;
      if (exitCode !== undefined) throw new Error(`cairn serve exited (${exitCode}): ${err}`);
      if (Date.now() > until) throw new Error(`no such log line within ${ms} ms; logs: ${JSON.stringify(logs).slice(-2000)} stderr: ${err}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  };
  const listening = await waitFor((r) => r['msg'] === 'listening');
  const port = Number(listening['port']);
  return {
    port, url: `https://127.0.0.1:${port}`, logs, stderr: () => err, waitFor, child,
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}
