import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/helpers/paths.js';
import { measure, type Measurement } from './lib/measure.js';
import type { BenchGroup } from './lib/row.js';
import { hashingGroup } from './rows/hashing.js';

// `make bench`: every Cairn command next to the reference tool on the same input, in the same
// run, several times each; prints one table and writes bench/results.json.
// `make bench QUICK=1` runs small inputs in about a minute.

const GROUPS: BenchGroup[] = [hashingGroup];

interface Result {
  id: string;
  work: string;
  cairn: Measurement;
  references: Measurement[];
  ratio?: number;
  target: { ratio?: number; seconds?: number; rssMiB?: number };
  met: boolean;
  note?: string;
}

function fmt(s: number): string {
  return s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const runs = quick ? 3 : 5;
  const results: Result[] = [];
  for (const group of GROUPS) {
    if (only && !group.name.includes(only)) continue;
    const rows = await group.setup(quick);
    try {
      for (const row of rows) {
        process.stderr.write(`bench: ${row.work} ...\n`);
        const cairn = measure(row.cairn, runs);
        const references = row.references.map((r) => measure(r, runs));
        const ratio = references[0] ? cairn.median / references[0].median : undefined;
        const t = row.target;
        const met = (t.ratio === undefined || (ratio !== undefined && ratio <= t.ratio))
          && (t.seconds === undefined || cairn.median <= t.seconds)
          && (t.rssMiB === undefined || cairn.maxRssMiB <= t.rssMiB);
        results.push({ id: row.id, work: row.work, cairn, references, ratio, target: t, met, note: row.note });
      }
    } finally {
      await group.teardown?.();
    }
  }
  printTable(results);
  writeFileSync(join(REPO_ROOT, 'bench', 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), quick, node: process.version, results }, null, 2)}\n`);
  process.stderr.write('bench: wrote bench/results.json\n');
}

function printTable(results: Result[]): void {
  const head = ['work', 'cairn', 'reference', 'ratio', 'target', 'met', 'cairn RSS'];
  const lines = results.map((r) => {
    const ref = r.references.map((m) => `${m.label} ${fmt(m.median)}`).join(', ') || '-';
    const target = [r.target.ratio !== undefined ? `<= ${r.target.ratio}x` : '', r.target.seconds !== undefined ? `<= ${fmt(r.target.seconds)}` : '', r.target.rssMiB !== undefined ? `RSS <= ${r.target.rssMiB} MiB` : ''].filter(Boolean).join(', ');
    return [r.work, fmt(r.cairn.median), ref, r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : '-', target, r.met ? 'yes' : 'NO', `${r.cairn.maxRssMiB.toFixed(0)} MiB`];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(row(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(row(l));
}

await main();
