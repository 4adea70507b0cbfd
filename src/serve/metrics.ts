import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Prometheus metrics of the gate (prom-client, on a registry of our own, not the global one).

export interface GateMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'policy' | 'status'>;
  readonly verdicts: Counter<'policy' | 'verdict' | 'source'>;
  readonly cacheHits: Counter<'policy'>;
  readonly cacheMisses: Counter<'policy'>;
  readonly verification: Histogram<'policy' | 'outcome'>;
  readonly registryErrors: Counter<'registry'>;
  readonly deadlines: Counter<'policy'>;
}

export function gateMetrics(): GateMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cairn_' });
  const r = [registry];
  return {
    registry,
    requests: new Counter({ name: 'cairn_gate_requests_total', help: 'HTTP requests to the verify endpoints, by policy and status', labelNames: ['policy', 'status'], registers: r }),
    verdicts: new Counter({ name: 'cairn_gate_verdicts_total', help: 'Decisions per key: verdict pass|fail|error|deadline, source cache|verified|summary|none', labelNames: ['policy', 'verdict', 'source'], registers: r }),
    cacheHits: new Counter({ name: 'cairn_gate_cache_hits_total', help: 'Keys answered from the verdict cache', labelNames: ['policy'], registers: r }),
    cacheMisses: new Counter({ name: 'cairn_gate_cache_misses_total', help: 'Keys not in the verdict cache', labelNames: ['policy'], registers: r }),
    verification: new Histogram({
      name: 'cairn_gate_verification_seconds', help: 'Time of one verification (cache misses only)', labelNames: ['policy', 'outcome'], registers: r,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    registryErrors: new Counter({ name: 'cairn_gate_registry_errors_total', help: 'Verifications that ended in a registry or network error', labelNames: ['registry'], registers: r }),
    deadlines: new Counter({ name: 'cairn_gate_deadline_exceeded_total', help: 'Keys left unanswered at the request deadline (still verifying)', labelNames: ['policy'], registers: r }),
  };
}
