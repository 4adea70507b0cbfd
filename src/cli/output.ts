import type { Writable } from 'node:stream';

// The only code that writes to the terminal. Results go to stdout (text or JSON), everything
// meant for a human watching (progress, warnings, notes) goes to stderr, so that
// `cairn ... --output json | jq` always works.

export type OutputFormat = 'text' | 'json';

export interface OutputOptions {
  format?: OutputFormat;
  quiet?: boolean;
  debug?: boolean;
  stdout?: Writable;
  stderr?: Writable;
}

/** Terminal output for one command run. */
export class Output {
  readonly format: OutputFormat;
  readonly quiet: boolean;
  readonly debug: boolean;
  readonly stdout: Writable;
  readonly stderr: Writable;

  constructor(options: OutputOptions = {}) {
    this.format = options.format ?? 'text';
    this.quiet = options.quiet ?? false;
    this.debug = options.debug ?? false;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    ignoreBrokenPipe(this.stdout);
    ignoreBrokenPipe(this.stderr);
  }

  /** A line of the command's result (text mode only). */
  result(line: string): void {
    if (this.format === 'text') this.stdout.write(`${line}\n`);
  }

  /** The command's result as JSON (json mode only). */
  json(value: unknown): void {
    if (this.format === 'json') this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /**
   * A failure as one JSON object on stdout (json mode: CI scripts read stdout, never parse the
   * text on stderr): code, message, hint, exitCode, and where and details when known.
   */
  error(value: { code: string; message: string; hint: string | null; exitCode: number; [k: string]: unknown }): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** A note for a human on stderr, suppressed by --quiet. */
  info(line: string): void {
    if (!this.quiet) this.stderr.write(`${line}\n`);
  }

  /** A warning on stderr, shown even with --quiet. */
  warn(line: string): void {
    this.stderr.write(`warning: ${line}\n`);
  }

  /** Detail shown only with --debug. */
  trace(line: string): void {
    if (this.debug) this.stderr.write(`debug: ${line}\n`);
  }

  /** Passes a child command's output through. */
  passthrough(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    (stream === 'stdout' ? this.stdout : this.stderr).write(chunk);
  }
}

const guarded = new WeakSet<Writable>();

// `cairn discover ... | head` closes our stdout early: that is the reader's choice, not an error.
function ignoreBrokenPipe(stream: Writable): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}
