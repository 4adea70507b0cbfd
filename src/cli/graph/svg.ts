import type { GraphNode, SupplyChainGraph } from './model.js';
import { COLOURS } from './text.js';

// The supply-chain graph as a standalone SVG (no Graphviz needed): the steps and inspections
// in layout order from left to right, an arrow per MATCH rule (between neighbours a straight
// line, over longer spans an arc above the boxes), each box coloured by its verdict with the
// failing check written on it. Every node is a <g class="node"> and every arrow a
// <g class="edge"> with data- attributes, so a program (or a test) can read the picture back.

const W = 240;
const GAP = 110;
const LINE = 15;
const PAD = 10;
const MAX_CHARS = 34;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// Splits text into lines of at most MAX_CHARS (at spaces when it can), at most `max` lines.
function wrap(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest && out.length < max) {
    if (rest.length <= MAX_CHARS) {
      out.push(rest);
      break;
    }
    let cut = rest.lastIndexOf(' ', MAX_CHARS);
    if (cut < MAX_CHARS / 2) cut = MAX_CHARS;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 && out.length === max && out.join(' ').length < text.length) out[max - 1] = `${out[max - 1]!.slice(0, MAX_CHARS - 1)}…`;
  return out;
}

function nodeLines(n: GraphNode): { text: string; weight: 'bold' | 'normal'; fail?: boolean }[] {
  return [
    { text: `${n.kind} ${n.name}`, weight: 'bold' },
    ...wrap(n.detail, 2).map((text) => ({ text, weight: 'normal' as const })),
    ...(n.failure ? wrap(`FAIL: ${n.failure}`, 4).map((text) => ({ text, weight: 'normal' as const, fail: true })) : []),
  ];
}

/** A standalone SVG document. */
export function toSvg(g: SupplyChainGraph): string {
  const lines = g.nodes.map(nodeLines);
  const height = Math.max(70, ...lines.map((l) => l.length * LINE + 2 * PAD));
  const span = (from: number, to: number) => Math.abs(to - from);
  const index = new Map(g.nodes.map((n, i) => [n.id, i]));
  const maxSpan = Math.max(1, ...g.edges.map((e) => span(index.get(e.from)!, index.get(e.to)!)));
  const arcRoom = maxSpan > 1 ? 30 + 28 * maxSpan : 0;
  const top = 50 + arcRoom;
  const width = Math.max(420, g.nodes.length * (W + GAP) - GAP + 40);
  const total = top + height + 70;
  const x = (i: number) => 20 + i * (W + GAP);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#44546a"/></marker></defs>',
    `<rect x="0" y="0" width="${width}" height="${total}" fill="#ffffff"/>`,
    `<text class="title" x="20" y="28" font-size="15" font-weight="bold">${esc(g.title)}${g.verdict ? ` — verification ${g.verdict === 'pass' ? 'passed' : 'failed'}` : ''}</text>`,
  ];
  g.edges.forEach((e, k) => {
    const a = index.get(e.from)!;
    const b = index.get(e.to)!;
    let d: string;
    let lx: number;
    let ly: number;
    if (span(a, b) === 1) {
      const [x1, x2] = a < b ? [x(a) + W, x(b)] : [x(a), x(b) + W];
      const y = top + height / 2 + (a < b ? 0 : 18);
      d = `M ${x1} ${y} L ${x2} ${y}`;
      lx = (x1 + x2) / 2;
      ly = y - 6;
    } else {
      const x1 = x(a) + W / 2 + (k % 3) * 12 - 12;
      const x2 = x(b) + W / 2 - (k % 3) * 12 + 12;
      const lift = 30 + 28 * span(a, b);
      d = `M ${x1} ${top} C ${x1} ${top - lift}, ${x2} ${top - lift}, ${x2} ${top}`;
      lx = (x1 + x2) / 2;
      ly = top - lift * 0.75 - 4;
    }
    out.push(`<g class="edge" data-from="${esc(e.from)}" data-to="${esc(e.to)}"><path d="${d}" fill="none" stroke="#44546a" stroke-width="1.5" marker-end="url(#arrow)"/><text x="${lx}" y="${ly}" text-anchor="middle" font-size="10" fill="#333333">${esc(e.label)}</text></g>`);
  });
  g.nodes.forEach((n, i) => {
    const c = COLOURS[n.status];
    const parts = [`<g class="node" data-id="${esc(n.id)}" data-kind="${n.kind}" data-status="${n.status}">`, `<rect x="${x(i)}" y="${top}" width="${W}" height="${height}" rx="${n.kind === 'step' ? 10 : 2}" fill="${c.fill}" stroke="${c.stroke}" stroke-width="2"${n.kind === 'inspection' ? ' stroke-dasharray="6 3"' : ''}/>`];
    lines[i]!.forEach((l, j) => {
      parts.push(`<text x="${x(i) + PAD}" y="${top + PAD + LINE * (j + 1) - 3}" font-weight="${l.weight}"${l.fail ? ` fill="${COLOURS.fail.stroke}" class="failure"` : ''}>${esc(l.text)}</text>`);
    });
    parts.push('</g>');
    out.push(parts.join(''));
  });
  const legendY = top + height + 40;
  (['pass', 'fail', 'skip'] as const).forEach((s, i) => {
    out.push(`<g class="legend"><rect x="${20 + i * 150}" y="${legendY - 12}" width="16" height="16" rx="3" fill="${COLOURS[s].fill}" stroke="${COLOURS[s].stroke}"/><text x="${42 + i * 150}" y="${legendY + 1}">${{ pass: 'passed', fail: 'failed', skip: 'not reached' }[s]}</text></g>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
