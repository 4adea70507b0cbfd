import { CairnError } from '../../errors.js';
import { redactUrl } from './errors.js';

// `--registry-timeout` bounds each attempt of a request as a whole: from sending it to the last
// byte of its body (client.ts retries an attempt that got no answer at all, never one that was
// answered too slowly). undici's own timeouts (headersTimeout, bodyTimeout) bound only the
// silence between bytes, so a registry that sends one byte a second kept a request alive as
// long as it liked (issue 13 §5). A transfer of a known size (a blob, an upload) earns one more
// timeout for every BYTES_PER_TIMEOUT of it, so that a big layer on a slow link still arrives:
// with the default 60 s, that asks for about 1 MiB/s, and a larger --registry-timeout asks less.

/** Bytes of a transfer that earn it one more timeout (a 1 GiB layer gets 17). */
export const BYTES_PER_TIMEOUT = 64 * 1024 * 1024;

/** How long a request that moves `bytes` may take, for a timeout of `timeoutMs`. */
export function deadlineMs(timeoutMs: number, bytes = 0): number {
  return Math.ceil(timeoutMs * (1 + Math.max(0, bytes) / BYTES_PER_TIMEOUT));
}

/** The time given to one attempt of a request: aborts its signal, with a one-line NETWORK_ERROR, when it runs out. */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  readonly error: CairnError;

  constructor(readonly ms: number, method: string, url: string) {
    this.error = new CairnError('NETWORK_ERROR', `no complete answer within ${ms / 1000} s`, { where: `${method} ${redactUrl(url)}`, details: { reason: 'timeout', seconds: ms / 1000 } });
    this.timer = setTimeout(() => this.controller.abort(this.error), ms);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
  }

  /** The request is over (its body read or dropped): stop the clock. */
  clear(): void {
    clearTimeout(this.timer);
  }
}
