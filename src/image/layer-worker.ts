import { errorToWire, parentLine, ringSlot } from '../threads/index.js';
import { INFLATE_CHUNK, LayerParser, type Budget } from './layer-parse.js';
import type { FromLayerWorker, ToLayerWorker } from './layer-thread.js';

// The layer thread (see layer-thread.ts): decompresses and parses one layer at a time with the
// same LayerParser the main thread uses, acknowledging each batch; after an error it reports once and ignores
// the rest of that layer's bytes.
let parser: LayerParser | undefined;
let ring: SharedArrayBuffer | undefined;
let budget: Budget = { bytes: 0, entries: 0, names: 0 };
let failed = false;
/** Where gzip decodes to, for every layer. */
const scratch = Buffer.allocUnsafe(INFLATE_CHUNK);

const parent = parentLine<ToLayerWorker, FromLayerWorker>();
const send = (m: FromLayerWorker): void => parent.post(m);

parent.onMessage((m) => {
  if (m.t === 'start') {
    budget = m.budget;
    parser = new LayerParser(m.limits, budget, scratch);
    ring = m.ring;
    failed = false;
    return;
  }
  if (m.t === 'sync') {
    send({ t: 'synced' });
    return;
  }
  if (m.t === 'data' && (failed || !parser)) {
    send({ t: 'ack', slot: m.slot });
    return;
  }
  if (failed || !parser) return;
  try {
    if (m.t === 'data') {
      // the slot is free again once this returns: nothing of it is kept
      parser.push(ringSlot(ring!, m.slot, m.len));
      send({ t: 'ack', slot: m.slot });
    } else {
      const parsed = parser.finishSync();
      send({ t: 'done', parsed, budget });
    }
  } catch (err) {
    failed = true;
    send({ t: 'error', error: errorToWire(err) });
  }
});
