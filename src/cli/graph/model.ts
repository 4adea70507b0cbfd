import { CairnError } from '../../errors.js';

// The supply chain a layout describes, as a graph to draw: each step and inspection a node
// (who may sign it, with what threshold, what it runs), each MATCH rule an edge from the step
// whose artifacts it matches (FROM) to the step that consumes them, and, given a verification
// report, each node's verdict and the check that failed it.
// Spec: https://github.com/in-toto/docs/blob/master/in-toto-spec.md#433-artifact-rules (MATCH)

export type NodeStatus = 'pass' | 'fail' | 'skip' | 'none';

export interface GraphNode {
  readonly id: string;
  readonly kind: 'step' | 'inspection';
  readonly name: string;
  /** `threshold 1 of alice 8cd8c761, bob ed845f20`, or the inspection's command. */
  readonly detail: string;
  readonly status: NodeStatus;
  /** The failing check's message, when the report says the node failed. */
  readonly failure?: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** The matched pattern and queues: `src/* (products → materials)`. */
  readonly label: string;
}

export interface SupplyChainGraph {
  readonly title: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly verdict?: 'pass' | 'fail';
}

interface LayoutBody {
  readme?: string;
  steps?: { name?: string; pubkeys?: string[]; threshold?: number; expected_command?: string[]; expected_materials?: unknown[]; expected_products?: unknown[] }[];
  inspect?: { name?: string; run?: string[]; expected_materials?: unknown[]; expected_products?: unknown[] }[];
}

interface ReportCheck { item?: string; verdict?: string; message?: string }

/** The checks of a `cairn verify --output json` report (local, or the first platform of image mode). */
export function reportChecks(report: unknown, where: string): { verdict: 'pass' | 'fail'; checks: ReportCheck[] } {
  const r = report as { verdict?: unknown; checks?: unknown; platforms?: { report?: { checks?: unknown } }[] };
  const checks = Array.isArray(r?.checks) ? r.checks : r?.platforms?.flatMap((p) => (Array.isArray(p.report?.checks) ? p.report!.checks as ReportCheck[] : []));
  if ((r?.verdict !== 'pass' && r?.verdict !== 'fail') || !Array.isArray(checks)) throw new CairnError('SCHEMA_INVALID', 'not a report of cairn verify --output json', { where });
  return { verdict: r.verdict, checks: checks as ReportCheck[] };
}

// A MATCH rule's source step and the part worth drawing on the arrow.
function matchEdge(rule: unknown, queue: 'materials' | 'products'): { from: string; label: string } | undefined {
  if (!Array.isArray(rule) || String(rule[0]).toUpperCase() !== 'MATCH') return undefined;
  const words = rule.map(String);
  const from = words[words.length - 1];
  const withAt = words.findIndex((w) => w.toUpperCase() === 'WITH');
  if (!from || withAt < 0 || words[words.length - 2]?.toUpperCase() !== 'FROM') return undefined;
  const theirs = (words[withAt + 1] ?? '').toLowerCase();
  // `MATCH pattern IN prefix WITH ...`: the path on this side is prefix/pattern
  const mine = words[2]?.toUpperCase() === 'IN' && withAt === 4 ? `${words[3]!.replace(/\/$/, '')}/${words[1]}` : words[1];
  return { from, label: `${mine} (${theirs} → ${queue})` };
}

/** Builds the graph of a layout's signed body, coloured by a report when one is given. */
export function supplyChainGraph(layout: unknown, keyNames: ReadonlyMap<string, string>, report?: { verdict: 'pass' | 'fail'; checks: ReportCheck[] }): SupplyChainGraph {
  const body = layout as LayoutBody;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const statusOf = (name: string): { status: NodeStatus; failure?: string } => {
    if (!report) return { status: 'none' };
    const mine = report.checks.filter((c) => c.item === name && c.verdict !== 'warn');
    const failed = mine.find((c) => c.verdict === 'fail');
    if (failed) return { status: 'fail', failure: failed.message ?? 'failed' };
    return { status: mine.length > 0 ? 'pass' : 'skip' };
  };
  const addEdges = (to: string, rules: { materials?: unknown[]; products?: unknown[] }) => {
    for (const queue of ['materials', 'products'] as const) {
      for (const rule of rules[queue] ?? []) {
        const e = matchEdge(rule, queue);
        if (e) edges.push({ from: e.from, to, label: e.label });
      }
    }
  };
  for (const s of body.steps ?? []) {
    const name = String(s.name ?? '?');
    const signers = (s.pubkeys ?? []).map((k) => keyNames.get(k) ?? k.slice(0, 8));
    nodes.push({ id: name, kind: 'step', name, detail: `threshold ${s.threshold ?? 1} of ${signers.join(', ') || 'no keys'}`, ...statusOf(name) });
    addEdges(name, { materials: s.expected_materials, products: s.expected_products });
  }
  for (const i of body.inspect ?? []) {
    const name = String(i.name ?? '?');
    nodes.push({ id: name, kind: 'inspection', name, detail: `runs ${(i.run ?? []).join(' ') || 'nothing'}`, ...statusOf(name) });
    addEdges(name, { materials: i.expected_materials, products: i.expected_products });
  }
  const known = new Set(nodes.map((n) => n.id));
  return {
    title: body.readme || 'supply chain',
    nodes,
    edges: edges.filter((e) => known.has(e.from) && e.from !== e.to),
    ...(report ? { verdict: report.verdict } : {}),
  };
}
