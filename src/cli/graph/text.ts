import type { NodeStatus, SupplyChainGraph } from './model.js';

// The supply-chain graph as Graphviz DOT and as a Mermaid flowchart (which GitHub renders in
// Markdown). Spec: https://graphviz.org/doc/info/lang.html, https://mermaid.js.org/syntax/flowchart.html

/** Fill and stroke of a node by its verdict. */
export const COLOURS: Record<NodeStatus, { fill: string; stroke: string }> = {
  pass: { fill: '#d7f5dd', stroke: '#1e7b34' },
  fail: { fill: '#fbd9d9', stroke: '#b3261e' },
  skip: { fill: '#eeeeee', stroke: '#8a8a8a' },
  none: { fill: '#ffffff', stroke: '#44546a' },
};

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** Graphviz DOT. */
export function toDot(g: SupplyChainGraph): string {
  const lines = ['digraph supply_chain {', '  rankdir=LR;', `  label=${quote(g.title)};`, '  node [shape=box, style="rounded,filled", fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const n of g.nodes) {
    const c = COLOURS[n.status];
    const label = [`${n.kind} ${n.name}`, n.detail, ...(n.failure ? [`FAIL: ${n.failure}`] : [])].join('\n');
    lines.push(`  ${quote(n.id)} [label=${quote(label)}, fillcolor=${quote(c.fill)}, color=${quote(c.stroke)}${n.kind === 'inspection' ? ', shape=component' : ''}];`);
  }
  for (const e of g.edges) lines.push(`  ${quote(e.from)} -> ${quote(e.to)} [label=${quote(e.label)}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A Mermaid flowchart. */
export function toMermaid(g: SupplyChainGraph): string {
  const id = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  const text = (s: string) => s.replace(/"/g, '#quot;').replace(/[<>]/g, (c) => (c === '<' ? '#lt;' : '#gt;'));
  const lines = ['flowchart LR'];
  for (const n of g.nodes) {
    const label = [`${n.kind} ${n.name}`, n.detail, ...(n.failure ? [`FAIL: ${n.failure}`] : [])].map(text).join('<br/>');
    lines.push(`  ${id.get(n.id)}${n.kind === 'inspection' ? `[["${label}"]]` : `["${label}"]`}`);
  }
  for (const e of g.edges) lines.push(`  ${id.get(e.from)} -->|"${text(e.label)}"| ${id.get(e.to)}`);
  for (const n of g.nodes) lines.push(`  style ${id.get(n.id)} fill:${COLOURS[n.status].fill},stroke:${COLOURS[n.status].stroke}`);
  return `${lines.join('\n')}\n`;
}
