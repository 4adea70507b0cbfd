import { isCairnError } from '../errors.js';
import { formatReference, openStore, resolveReference, RegistryPool, closeStore, type Reference, type Store } from '../oci/index.js';
import { gateErrorKind, memoryTrustState, parseImageKey, preparePolicy, publishVerdictSummary, verifyImageRef, type GatePolicy, type GateVerdict, type PreparedPolicy } from '../api/gate.js';
import type { PrivateKey } from '../crypto/index.js';
import type { ServeConfig } from './config.js';
import { SingleFlight, VerdictCache } from './cache.js';
import { Limiter } from './limiter.js';
import type { GateMetrics } from './metrics.js';
import { JsonText, verdictValue, type ProviderItem } from './protocol.js';

// The decisions behind one endpoint call: each key is answered from the verdict cache, or
// verified once (single flight) under a per-registry limit, within the request's deadline. Past
// the deadline a key gets no item (Gatekeeper would cache an item error for minutes) and the
// response says CAIRN_DEADLINE in systemError, while the verification goes on and fills the
// cache for the retry. Policies are prepared (layout fetched, trust root walked) at start and
// refreshed on a timer; a trust root that stops verifying takes its policy out of service.

/** One structured log record (the CLI writes it as a JSON line). */
export type LogRecord = Record<string, unknown> & { level: 'info' | 'warn' | 'error'; msg: string };

export interface GateServiceOptions {
  log: (r: LogRecord) => void;
  /** Writes a record already serialized as a JSON object (a cache hit's line, made once). */
  logJson?: (json: string) => void;
  metrics: GateMetrics;
  /** Signs PASS verdicts as VSAs attached to the image (and trusts them). */
  summaryKey?: PrivateKey;
  version: string;
  now?: () => Date;
}

/** What answering a request produced. */
export interface Answer {
  items: ProviderItem[];
  systemError?: string;
}

const MAX_SYSTEM_ERROR = 4096;
/** Parsed keys kept (admission controllers ask for the same images again and again). */
const MAX_PARSED_KEYS = 10_000;

export class GateService {
  private readonly pool: RegistryPool;
  private readonly prepared = new Map<string, PreparedPolicy>();
  private readonly prepareErrors = new Map<string, string>();
  private readonly cache: VerdictCache;
  private readonly flights = new SingleFlight<GateVerdict>();
  private readonly limiters = new Map<string, Limiter>();
  private readonly queue = { size: 0, max: 0 };
  private readonly trustState = memoryTrustState();
  private readonly background = new Set<Promise<unknown>>();
  private readonly parsedKeys = new Map<string, Reference>();
  private readonly hits = new WeakMap<GateVerdict, { value: JsonText; lines: Map<string, string> }>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private readonly logJson: (json: string) => void;

  constructor(readonly config: ServeConfig, private readonly o: GateServiceOptions) {
    this.logJson = o.logJson ?? ((json) => o.log(JSON.parse(json) as LogRecord));
    this.pool = new RegistryPool((registry) => {
      const r = config.registries.get(registry);
      return r ? { plainHttp: r.plainHttp, insecure: r.insecure, ...(r.ca ? { ca: r.ca } : {}), timeoutMs: r.timeoutMs, maxConnections: r.maxConnections, attempts: 2 } : undefined;
    });
    this.cache = new VerdictCache(config.cache, () => this.now().getTime());
    this.queue.max = config.limits.maxQueued;
    for (const [name, r] of config.registries) this.limiters.set(name, new Limiter(r.maxConcurrent, this.queue));
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  /** Prepares every policy now, and again every trustRefreshMs. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.trustRefreshMs);
    this.timer.unref();
  }

  /** True when every policy is prepared. */
  ready(): boolean {
    return !this.closed && [...this.config.policies.keys()].every((n) => this.usable(n) !== undefined);
  }

  /** Why the gate is not ready (one line per policy). */
  notReady(): string[] {
    return [...this.config.policies.keys()].filter((n) => !this.usable(n)).map((n) => `policy ${n}: ${this.prepareErrors.get(n) ?? 'not prepared yet'}`);
  }

  private usable(name: string): PreparedPolicy | undefined {
    const p = this.prepared.get(name);
    if (p?.anchor.expires && p.anchor.expires.getTime() <= this.now().getTime()) return undefined;
    return p;
  }

  private openConfigStore = (ref: Reference): Promise<Store> => (ref.kind === 'layout' ? openStore(ref) : this.pool.open(ref));

  private async refresh(): Promise<void> {
    await Promise.all([...this.config.policies.values()].map(async (policy) => {
      try {
        const p = await preparePolicy(policy, { openStore: this.openConfigStore, trustState: this.trustState, now: () => this.now(), onWarning: (m) => this.o.log({ level: 'warn', msg: m }) });
        const old = this.prepared.get(policy.name);
        this.prepared.set(policy.name, p);
        this.prepareErrors.delete(policy.name);
        if (!old || old.digest !== p.digest) this.o.log({ level: 'info', msg: 'policy ready', policy: policy.name, policyDigest: p.digest, layout: p.layout.digest, trustAnchor: p.anchor.digest, ...(p.anchor.version !== undefined ? { trustRootVersion: p.anchor.version } : {}) });
      } catch (err) {
        const message = isCairnError(err) ? err.message : String(err);
        this.prepareErrors.set(policy.name, message);
        // a trust root or layout that no longer verifies takes the policy out of service; a
        // registry that is down keeps the last good preparation (the same decision as before)
        const transient = isCairnError(err, 'REGISTRY_ERROR', 'NETWORK_ERROR', 'UNAUTHORIZED', 'IO_ERROR', 'NOT_FOUND', 'TOO_LARGE', 'DIGEST_MISMATCH');
        if (!transient) this.prepared.delete(policy.name);
        this.o.log({ level: transient ? 'warn' : 'error', msg: 'policy not refreshed', policy: policy.name, reason: message, kept: transient && this.prepared.has(policy.name) });
      }
    }));
  }

  /**
   * Answers one request for `policyName` (known to the config) within the deadline, counted
   * from `started` (performance.now() time; the server passes its connection's accept for a
   * connection's first request: connection-clock.ts).
   */
  async answer(policyName: string, keys: string[], started = performance.now()): Promise<Answer> {
    const policy = this.config.policies.get(policyName)!;
    const hits = this.answerFromCache(policy, keys);
    if (hits) return { items: hits };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), Math.max(0, this.config.deadlineMs - (performance.now() - started)));
    });
    try {
      const results = await Promise.all(keys.map((k) => Promise.race([this.decide(policy, k), deadline])));
      const items: ProviderItem[] = [];
      const system: string[] = [];
      let pending = 0;
      const ms = Math.round(performance.now() - started);
      results.forEach((r, i) => {
        if (r === 'deadline') {
          pending++;
          this.o.metrics.deadlines.inc({ policy: policy.name });
          this.o.metrics.verdicts.inc({ policy: policy.name, verdict: 'deadline', source: 'none' });
          this.o.log({ level: 'warn', msg: 'decision', policy: policy.name, key: keys[i], verdict: 'pending', ms, reason: `not decided within ${this.config.deadlineMs} ms; still verifying` });
        } else if (r.item) items.push(r.item);
        else if (r.system) system.push(r.system);
      });
      if (pending > 0) system.unshift(`CAIRN_DEADLINE: ${pending} of ${keys.length} images still verifying; retry`);
      const systemError = system.join('; ');
      return { items, ...(systemError ? { systemError: systemError.length > MAX_SYSTEM_ERROR ? `${systemError.slice(0, MAX_SYSTEM_ERROR - 3)}...` : systemError } : {}) };
    } finally {
      clearTimeout(timer);
    }
  }

  // The common case, answered at once: every key pinned by digest and in the verdict cache. No
  // deadline timer and no promise per key; nothing is counted or logged unless all are hits
  // (otherwise the keys take the general path, which finds the same hits).
  private answerFromCache(policy: GatePolicy, keys: string[]): ProviderItem[] | undefined {
    const prepared = this.usable(policy.name);
    if (!prepared) return undefined;
    const found: GateVerdict[] = [];
    for (const key of keys) {
      const ref = this.parsedKey(key);
      if (ref?.kind !== 'registry' || !ref.digest || !this.config.registries.has(ref.registry)) return undefined;
      const hit = this.cache.get(VerdictCache.key(ref.digest, prepared.digest));
      if (!hit) return undefined;
      found.push(hit);
    }
    return keys.map((key, i) => this.hitItem(policy, key, found[i]!, undefined, 0));
  }

  // A key parsed once: the parse is pure, and the same keys come back on every admission.
  private parsedKey(key: string): Reference | undefined {
    let ref = this.parsedKeys.get(key);
    if (ref) return ref;
    try {
      ref = parseImageKey(key);
    } catch {
      return undefined;
    }
    if (this.parsedKeys.size >= MAX_PARSED_KEYS) this.parsedKeys.clear();
    this.parsedKeys.set(key, ref);
    return ref;
  }

  // A hit's answer and its log line are the same text every time for a pinned key on the fast
  // path (ms 0): both are serialized once per verdict (the line per policy and key), a tenth of
  // a cached answer's CPU otherwise.
  private hitItem(policy: GatePolicy, key: string, hit: GateVerdict, tag: string | undefined, ms: number): ProviderItem {
    this.o.metrics.cacheHits.inc({ policy: policy.name });
    this.o.metrics.verdicts.inc({ policy: policy.name, verdict: hit.verdict, source: 'cache' });
    const record = (): LogRecord => ({ level: 'info', msg: 'decision', policy: policy.name, key, verdict: hit.verdict, ms, image: hit.image, policyDigest: hit.policyDigest, source: hit.source, cache: 'hit', ...(hit.reason ? { reason: hit.reason } : {}) });
    if (tag !== undefined) {
      this.o.log(record());
      return { key, value: verdictValue(hit, 'hit', tag) };
    }
    let cached = this.hits.get(hit);
    if (!cached) {
      cached = { value: new JsonText(JSON.stringify(verdictValue(hit, 'hit'))), lines: new Map() };
      this.hits.set(hit, cached);
    }
    if (ms !== 0) this.o.log(record());
    else {
      const id = `${policy.name}\u0000${key}`;
      let line = cached.lines.get(id);
      if (line === undefined) {
        line = JSON.stringify(record());
        if (cached.lines.size < 16) cached.lines.set(id, line);
      }
      this.logJson(line);
    }
    return { key, value: cached.value };
  }

  // One key: an item (value or permanent error), or a system error (transient, no item).
  private async decide(policy: GatePolicy, key: string): Promise<{ item?: ProviderItem; system?: string }> {
    const started = performance.now();
    const log = (verdict: string, extra: Record<string, unknown>) =>
      this.o.log({ level: verdict === 'error' ? 'warn' : 'info', msg: 'decision', policy: policy.name, key, verdict, ms: Math.round((performance.now() - started) * 10) / 10, ...extra });
    const itemError = (message: string) => {
      this.o.metrics.verdicts.inc({ policy: policy.name, verdict: 'error', source: 'none' });
      log('error', { reason: message, permanent: true });
      return { item: { key, error: message } };
    };
    const systemError = (code: string, message: string) => {
      this.o.metrics.verdicts.inc({ policy: policy.name, verdict: 'error', source: 'none' });
      log('error', { reason: message, code, permanent: false });
      return { system: `CAIRN_${code}: ${key.slice(0, 300)}: ${message}` };
    };
    let ref: Reference | undefined = this.parsedKey(key);
    if (!ref) {
      try {
        ref = parseImageKey(key);
      } catch (err) {
        return itemError(isCairnError(err) ? err.message : String(err));
      }
    }
    if (ref.kind !== 'registry') return itemError('not a registry reference');
    if (!this.config.registries.has(ref.registry)) return itemError(`registry ${ref.registry} is not one this gate may contact (policy ${policy.name})`);
    if (!ref.digest && policy.requireDigest) return itemError(`policy ${policy.name} requires an image pinned by digest (@sha256:...), not a tag`);
    const prepared = this.usable(policy.name);
    if (!prepared) return systemError('NOT_READY', `policy ${policy.name} is not ready: ${this.prepareErrors.get(policy.name) ?? 'being prepared'}`);
    let digest: string;
    const tag = ref.digest ? undefined : ref.tag;
    try {
      digest = ref.digest ?? (await this.resolveTag(ref));
    } catch (err) {
      this.o.metrics.registryErrors.inc({ registry: ref.registry });
      return systemError(isCairnError(err) ? err.code : 'INTERNAL', isCairnError(err) ? err.message : String(err));
    }
    const cacheKey = VerdictCache.key(digest, prepared.digest);
    const hit = this.cache.get(cacheKey);
    if (hit) return { item: this.hitItem(policy, key, hit, tag, Math.round((performance.now() - started) * 10) / 10) };
    this.o.metrics.cacheMisses.inc({ policy: policy.name });
    try {
      const v = await this.verifyOnce(policy, prepared, ref, digest, cacheKey);
      this.o.metrics.verdicts.inc({ policy: policy.name, verdict: v.verdict, source: v.source });
      log(v.verdict, { image: v.image, policyDigest: v.policyDigest, source: v.source, cache: 'miss', ...(v.reason ? { reason: v.reason } : {}) });
      return { item: { key, value: verdictValue(v, 'miss', tag) } };
    } catch (err) {
      if (gateErrorKind(err) === 'key') return itemError((err as Error).message);
      return systemError(isCairnError(err) ? err.code : 'INTERNAL', isCairnError(err) ? err.message : String(err));
    }
  }

  // A tag is resolved on every request (a HEAD): a tag that moves is seen at once.
  private async resolveTag(ref: Reference & { kind: 'registry' }): Promise<string> {
    const store = await this.pool.open(ref);
    try {
      return (await resolveReference(store, ref)).digest;
    } finally {
      await closeStore(store);
    }
  }

  // One verification per cache key at a time; it finishes (and fills the cache) even when the
  // request that started it has already been answered.
  private verifyOnce(policy: GatePolicy, prepared: PreparedPolicy, ref: Reference & { kind: 'registry' }, digest: string, cacheKey: string): Promise<GateVerdict> {
    return this.flights.run(cacheKey, () => {
      const job = this.limiters.get(ref.registry)!.run(async () => {
        const started = performance.now();
        const image = `${formatReference({ ...ref, tag: undefined, digest: undefined })}@${digest}`;
        try {
          const trusted = [...this.config.summaries.keys, ...(this.o.summaryKey ? [this.o.summaryKey.publicKey] : [])];
          const v = await verifyImageRef(image, policy, {
            prepared,
            openStore: this.openConfigStore,
            openImageStore: (r) => this.pool.open(r),
            now: () => this.now(),
            ...(trusted.length ? { summaries: { keys: trusted, maxAgeMs: this.config.summaries.maxAgeMs } } : {}),
          });
          this.o.metrics.verification.observe({ policy: policy.name, outcome: v.verdict }, (performance.now() - started) / 1000);
          if (this.prepared.get(policy.name)?.digest === prepared.digest) this.cache.put(cacheKey, v);
          if (v.verdict === 'pass' && v.source === 'verified' && this.o.summaryKey) this.publish(v, prepared);
          return v;
        } catch (err) {
          this.o.metrics.verification.observe({ policy: policy.name, outcome: 'error' }, (performance.now() - started) / 1000);
          if (gateErrorKind(err) !== 'key') this.o.metrics.registryErrors.inc({ registry: ref.registry });
          throw err;
        }
      });
      this.track(job);
      return job;
    });
  }

  private publish(v: GateVerdict, prepared: PreparedPolicy): void {
    const job = (async () => {
      const digest = await publishVerdictSummary(v, prepared, { openStore: (r) => this.pool.open(r), key: this.o.summaryKey!, version: this.o.version, reference: v.image, now: () => this.now() });
      this.o.log({ level: 'info', msg: 'summary attached', image: v.image, policy: v.policy, summary: digest });
    })().catch((err) => this.o.log({ level: 'warn', msg: 'summary not attached', image: v.image, reason: isCairnError(err) ? err.message : String(err) }));
    this.track(job);
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined);
    this.background.add(q);
    void q.finally(() => this.background.delete(q));
  }

  /** Stops refreshing, waits for background work (up to `graceMs`), closes connections. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    let t: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.background]), new Promise((r) => (t = setTimeout(r, graceMs)))]);
    clearTimeout(t);
    await this.pool.close();
  }
}
