import { errorFromWire, errorToWire, newRing, RingWriter, Thread, type WireError } from '../threads/index.js';
import type { Budget, LayerParserPort, ParsedLayer } from './layer-parse.js';
import type { Limits } from './types.js';

// A big layer is decompressed, parsed and hashed (diff_id, tar, file hashes: two sha256 passes
// and the inflate) on a worker thread, so that this work overlaps the main thread's own work on
// the same layer: the download and the blob digest. The bytes, as stored, are copied (the
// HTTP client owns its buffers) into a ring of shared memory (src/threads/ring.ts), reused for
// the whole image, and only slot numbers are posted; the worker frees a slot once it has
// parsed it and answers with the layer's changes, or with the error the same bytes give on
// this thread. The worker trusts nothing: it only sees bytes the main
// thread is still verifying, and its answer is used only once the blob digest has matched.

/** Messages to the worker. */
export type ToLayerWorker =
  | { t: 'start'; limits: Limits; budget: Budget; ring: SharedArrayBuffer }
  | { t: 'data'; slot: number; len: number }
  | { t: 'end' }
  | { t: 'sync' };

/** Messages from the worker. */
export type FromLayerWorker =
  | { t: 'ack'; slot: number }
  | { t: 'synced' }
  | { t: 'done'; parsed: ParsedLayer; budget: Budget }
  | { t: 'error'; error: WireError };

// The error the same bytes gave on the worker (src/threads/errors.ts).
const layerError = (e: WireError): Error => errorFromWire(e, 'layer');

const ENTRY = (): URL => new URL('./layer-worker.js', import.meta.url);

/**
 * Starts the layer thread ahead of the first big layer, so that its start-up (40-80 ms: a new
 * isolate and the worker's code) overlaps the registry requests that come before the layers.
 * The next LayerThread takes it; unused, it does not keep the process alive.
 */
export function warmLayerThread(): void {
  Thread.warm(ENTRY(), 'layer');
}

type LayerWorker = Thread<ToLayerWorker, FromLayerWorker>;

/** One worker thread that reads the big layers of one image, one layer at a time. */
export class LayerThread {
  private worker: LayerWorker | undefined;
  private readonly ring = newRing();

  /** A parser for the next layer, running on the worker. */
  parser(limits: Limits, budget: Budget): LayerParserPort {
    this.worker ??= Thread.start(ENTRY(), 'layer');
    return new ThreadedParser(this.worker, this.ring, limits, budget);
  }

  /** Stops the worker (after the last layer, or on failure). */
  close(): void {
    this.worker?.close();
    this.worker = undefined;
  }
}

class ThreadedParser implements LayerParserPort {
  private readonly ring: RingWriter;
  private error: WireError | undefined;
  /** The error was thrown from push or finish (so the caller has it). */
  private reported = false;
  private result: { resolve: (p: ParsedLayer) => void; reject: (e: unknown) => void } | undefined;
  private synced: (() => void) | undefined;

  constructor(
    private readonly worker: LayerWorker,
    ring: SharedArrayBuffer,
    limits: Limits,
    private readonly budget: Budget,
  ) {
    this.ring = new RingWriter(ring, (slot, len) => this.post({ t: 'data', slot, len }), () => this.thrown());
    // a lost thread fails the layer as an error from the worker would (fails closed)
    worker.listen({ message: (m) => this.onMessage(m), failed: (err) => this.onMessage({ t: 'error', error: errorToWire(err) }) });
    this.post({ t: 'start', limits, budget: { ...budget }, ring });
  }

  push(chunk: Buffer): void | Promise<void> {
    const err = this.thrown();
    if (err) throw err;
    return this.ring.write(chunk);
  }

  finish(): Promise<ParsedLayer> {
    this.reported = true;
    if (this.error) return Promise.reject(layerError(this.error));
    this.ring.flush();
    return new Promise<ParsedLayer>((resolve, reject) => {
      this.result = { resolve, reject };
      this.post({ t: 'end' });
    });
  }

  earlierError(): Promise<unknown> {
    if (this.reported) return Promise.resolve(undefined);
    if (this.error) return Promise.resolve(layerError(this.error));
    this.ring.flush();
    return new Promise((resolve) => {
      this.synced = () => resolve(this.error ? layerError(this.error) : undefined);
      this.post({ t: 'sync' });
    });
  }

  // The worker's error, to throw from push (then the caller has it).
  private thrown(): Error | undefined {
    if (!this.error) return undefined;
    this.reported = true;
    return layerError(this.error);
  }

  private post(m: ToLayerWorker): void {
    this.worker.post(m);
  }

  private onMessage(m: FromLayerWorker): void {
    if (m.t === 'ack') {
      this.ring.freed();
    } else if (m.t === 'synced') {
      this.synced?.();
    } else if (m.t === 'done') {
      Object.assign(this.budget, m.budget);
      this.result?.resolve(m.parsed);
    } else {
      this.error ??= m.error;
      this.ring.release();
      this.synced?.();
      this.result?.reject(layerError(m.error));
    }
  }
}
