import type { Output } from './output.js';
import type { CopyEvent } from '../api/copy.js';

// A progress bar for long transfers, on stderr, only when stderr is a terminal and the output
// is text (nothing when piped, with --quiet or --output json): bytes done of bytes known, the
// rate, and the time left (cli-progress' estimate). cli-progress draws it; it is loaded only then.

/** A copy-event sink and a stop function; both do nothing when no bar is shown. */
export interface Progress {
  onEvent: (e: CopyEvent) => void;
  stop: () => void;
}

/** Starts a byte-count progress bar if the terminal wants one. */
export async function startProgress(out: Output, label: string): Promise<Progress> {
  const tty = out.stderr === process.stderr && process.stderr.isTTY === true;
  if (!tty || out.quiet || out.format !== 'text') return { onEvent: () => undefined, stop: () => undefined };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {done}/{all} | {rate} | ETA {eta_formatted} | {blobs} blobs`, stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 10, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  let value = 0;
  let blobs = 0;
  const started = Date.now();
  const rate = () => `${humanSize(value / Math.max((Date.now() - started) / 1000, 0.001))}/s`;
  bar.start(1, 0, { done: humanSize(0), all: humanSize(0), rate: rate(), blobs: 0 });
  return {
    onEvent: (e) => {
      if (e.kind === 'blob') {
        total += e.desc.size;
        blobs++;
        bar.setTotal(Math.max(total, 1));
      } else if (e.kind === 'bytes') value += e.n;
      bar.update(value, { done: humanSize(value), all: humanSize(total), rate: rate(), blobs });
    },
    stop: () => bar.stop(),
  };
}

/** A byte count as people read it: 512 B, 3.4 KiB, 200.0 MiB, 1.25 GiB. */
export function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
