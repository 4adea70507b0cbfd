import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, OciLayoutStore } from '../../../src/oci/index.js';
import { storeContract } from '../../helpers/store-contract.js';

// The Store contract on the two local backends; e2e runs it on the registry store.

storeContract('MemoryStore (lists referrers)', async () => new MemoryStore());
storeContract('MemoryStore (tag-schema fallback)', async () => new MemoryStore({ referrers: false }));
storeContract('OciLayoutStore', async () => OciLayoutStore.open(join(mkdtempSync(join(tmpdir(), 'cairn-layout-')), 'layout'), { create: true }));
