import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/helpers/paths.js';
import { measure, type Measurement } from './lib/measure.js';
import type { BenchGroup, Target } from './lib/row.js';
import { hashingGroup } from './rows/hashing.js';
import { registryGroup } from './rows/registry.js';
import { verifyGroup } from './rows/verify.js';
import { gateGroup } from './rows/gate.js';

// `make bench`: every Cairn command next to the reference tool on the same input, in the same
// run, several times each; prints one table (and the scaling series) and writes
// bench/results.json. `make bench QUICK=1` runs small inputs (2 timed runs each) in under a minute:
// a smoke run that shows the rows work. Its inputs are too small for the targets (start-up
// dominates them), so its rows are marked `smoke` and carry no met/missed, in the table and in
// results.json, and a quick run never reads as a regression or a success.
// Options: --quick, --runs=N, --only=GROUP[/ROW-ID-PREFIX][,...] (groups: hashing, verify, registry, gate).

const GROUPS: BenchGroup[] = [hashingGroup, verifyGroup, registryGroup, gateGroup];

/** One measured row, as printed and as written to results.json. */
interface Result {
  id: string;
  work: string;
  cairn: Measurement;
  references: Measurement[];
  ratio?: number;
  target: Target;
  met?: boolean;
  note?: string;
  probe?: string;
  scale?: { series: string; n: number; unit: string };
}

function fmt(s: number): string {
  return s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`;
}

// --only=GROUP runs a group, --only=GROUP/ID a group's rows whose ids start with ID.
function selected(only: string[] | undefined, group: string, id?: string): boolean {
  return !only || only.some((o) => {
    const [g, prefix] = o.split('/');
    return g === group && (id === undefined || prefix === undefined || id.startsWith(prefix));
  });
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  const runsArg = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7));
  const runs = runsArg > 0 ? runsArg : quick ? 2 : 5;
  const started = Date.now();
  const loadBefore = loadavg();
  const results: Result[] = [];
  for (const group of GROUPS) {
    if (!selected(only, group.name)) continue;
    const rows = await group.setup(quick);
    try {
      for (const row of rows) {
        if (!selected(only, group.name, row.id)) continue;
        const base = { id: row.id, work: row.work, target: row.target, note: row.note, scale: row.scale };
        process.stderr.write(`bench: ${row.work} ... `);
        if (row.custom) {
          const c = await row.custom(quick);
          process.stderr.write(`${c.text}\n`);
          results.push({ ...base, cairn: c.cairn, references: c.references, ratio: c.ratio, met: quick ? undefined : c.met, probe: c.text });
          continue;
        }
        const cairn = await measure(row.cairn, runs);
        const references = [];
        for (const r of row.references) references.push(await measure(r, runs));
        const ratio = references[0] ? cairn.median / references[0].median : undefined;
        const t = row.target;
        const met = (t.ratio === undefined || (ratio !== undefined && ratio <= t.ratio))
          && (t.seconds === undefined || cairn.median <= t.seconds)
          && (t.rssMiB === undefined || cairn.maxRssMiB <= t.rssMiB);
        const probe = row.probe ? await row.probe() : undefined;
        process.stderr.write(`${fmt(cairn.median)}${ratio !== undefined ? ` (${ratio.toFixed(2)}x)` : ''}\n`);
        results.push({ ...base, cairn, references, ratio, met: row.scale || quick ? undefined : met, probe });
      }
    } finally {
      await group.teardown?.();
    }
  }
  const load = { before: loadBefore, after: loadavg() };
  const header = `cairn bench${quick ? ' (quick)' : ''}: ${new Date().toISOString().slice(0, 16)}Z, node ${process.version}, ${availableParallelism()} cores, `
    + `load ${load.before[0]!.toFixed(2)} -> ${load.after[0]!.toFixed(2)} (1-min avg), median of ${runs} runs after a warm-up, ${((Date.now() - started) / 1000).toFixed(0)} s`;
  console.log(header);
  console.log();
  printTable(results.filter((r) => !r.scale), quick);
  const scaling = results.filter((r) => r.scale);
  if (scaling.length > 0) {
    console.log();
    printScaling(scaling, !quick);
  }
  writeFileSync(join(REPO_ROOT, 'bench', 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), quick, runs, node: process.version, cores: availableParallelism(), load, results }, null, 2)}\n`);
  process.stderr.write('bench: wrote bench/results.json\n');
}

function targetText(t: Target): string {
  return [t.ratio !== undefined ? `<= ${t.ratio}x` : '', t.seconds !== undefined ? `<= ${fmt(t.seconds)}` : '', t.rssMiB !== undefined ? `RSS < ${t.rssMiB} MiB` : ''].filter(Boolean).join(', ');
}

function markdown(head: string[], lines: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(row(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(row(l));
}

function printTable(results: Result[], quick: boolean): void {
  const head = ['work', 'cairn', 'reference', 'ratio', 'target', 'met', 'cairn RSS', 'cairn CPU', 'notes'];
  markdown(head, results.map((r) => {
    const ref = r.references.map((m) => `${m.label} ${fmt(m.median)}`).join(', ') || '-';
    const notes = [r.probe, r.note].filter(Boolean).join('; ');
    return [r.work, fmt(r.cairn.median), ref, r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : '-', targetText(r.target), quick ? 'smoke' : r.met ? 'yes' : 'NO', `${r.cairn.maxRssMiB.toFixed(0)} MiB`, fmt(r.cairn.cpu), notes];
  }));
}

// Each series: time and memory against size, the time per unit, and the marginal time per unit
// between consecutive sizes; linear when the marginal cost stays within 1.5x of the previous
// (not judged on the quick sizes, where start-up and noise dominate).
function printScaling(results: Result[], judge: boolean): void {
  const lines: string[][] = [];
  const series = [...new Set(results.map((r) => r.scale!.series))];
  for (const s of series) {
    const rs = results.filter((r) => r.scale!.series === s).sort((a, b) => a.scale!.n - b.scale!.n);
    let prevMarginal: number | undefined;
    rs.forEach((r, i) => {
      const { n, unit } = r.scale!;
      const t = r.cairn.median;
      const prev = rs[i - 1];
      const marginal = prev ? (t - prev.cairn.median) / (n - prev.scale!.n) : undefined;
      const linear = judge && marginal !== undefined && prevMarginal !== undefined ? (marginal <= 1.5 * prevMarginal ? 'yes' : 'NO') : '-';
      lines.push([s, `${n.toLocaleString('en')} ${unit}`, fmt(t), `${r.cairn.maxRssMiB.toFixed(0)} MiB`, `${((t / n) * 1e6).toFixed(2)} µs`, marginal !== undefined ? `${(marginal * 1e6).toFixed(2)} µs` : '-', linear]);
      if (marginal !== undefined) prevMarginal = marginal;
    });
  }
  markdown(['scaling', 'size', 'cairn', 'cairn RSS', 'per unit', 'marginal per unit', 'linear?'], lines);
}

await main();
