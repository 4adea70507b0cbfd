import { join } from 'node:path';
import { CACHE } from '../lib/inputs.js';
import { cairnArgv, type Cmd } from '../lib/measure.js';
import { policyData, type PolicyData } from '../lib/policy-data.js';
import type { BenchGroup, BenchRow } from '../lib/row.js';

// `cairn verify --link-dir` against in-toto-verify 1.3.1 on the same supply chain: 10 steps,
// each link N materials and N products, a MATCH chain (../shared/BASELINES.md section b), once
// as Metablocks and once as DSSE; in-toto 1.3.1 reads only Metablocks, so it is the reference
// for both. Then the scaling series: cairn verify at 1k, 10k and 100k artifacts per step, and
// the memory rows: the peak RSS of the largest size (issue 19: at most 600 MiB for both forms;
// it was 1.0-1.2 GiB). Quick runs use the largest quick size, as smoke.

const STEPS = 10;

function dataFor(artifacts: number): Promise<PolicyData> {
  return policyData(join(CACHE, `policy-${STEPS}x${artifacts}`), STEPS, artifacts);
}

function cairnVerify(data: PolicyData, format: 'legacy' | 'dsse'): Cmd {
  const d = join(data.dir, format);
  return {
    label: `cairn verify (${format === 'legacy' ? 'Metablock' : 'DSSE'})`,
    cwd: data.dir,
    argv: cairnArgv('verify', '--layout', join(d, 'root.layout'), '--layout-key', join(data.dir, 'owner.pub'), '--link-dir', join(d, 'links'), '-q'),
  };
}

function inTotoVerify(data: PolicyData): Cmd {
  const d = join(data.dir, 'legacy');
  return { label: 'in-toto-verify', cwd: data.dir, argv: ['in-toto-verify', '-l', join(d, 'root.layout'), '-k', data.ownerPub, '-t', 'ed25519', '--link-dir', join(d, 'links'), '-q'] };
}

const k = (n: number): string => (n >= 1000 ? `${n / 1000}k` : String(n));

export const verifyGroup: BenchGroup = {
  name: 'verify',
  async setup(quick) {
    const main = quick ? 2000 : 10_000;
    const data = await dataFor(main);
    const rows: BenchRow[] = [
      { id: 'verify-legacy', work: `cairn verify --link-dir: ${STEPS} steps x ${k(main)} artifacts, Metablock links`, cairn: cairnVerify(data, 'legacy'), references: [inTotoVerify(data)], target: { ratio: 0.25 } },
      { id: 'verify-dsse', work: `cairn verify --link-dir: ${STEPS} steps x ${k(main)} artifacts, DSSE links`, cairn: cairnVerify(data, 'dsse'), references: [inTotoVerify(data)], target: { ratio: 0.15 }, note: 'reference: in-toto-verify on the Metablock form (1.3.1 has no DSSE)' },
    ];
    const sizes = quick ? [1000, 2000, 4000] : [1000, 10_000, 100_000];
    let largest = data;
    for (const n of sizes) {
      const d = n === main ? data : await dataFor(n);
      largest = d;
      for (const format of ['legacy', 'dsse'] as const) {
        rows.push({ id: `verify-scale-${format}-${n}`, work: `cairn verify ${format}, ${STEPS} x ${k(n)}`, cairn: cairnVerify(d, format), references: [], target: {}, scale: { series: `verify ${format}`, n: n * (2 * STEPS - 1), unit: 'link entries' } });
      }
    }
    const n = sizes[sizes.length - 1]!;
    for (const format of ['legacy', 'dsse'] as const) {
      rows.push({
        id: `verify-memory-${format}`, work: `cairn verify --link-dir ${STEPS} x ${k(n)}, ${format === 'legacy' ? 'Metablock' : 'DSSE'} links: peak RSS`,
        cairn: { ...cairnVerify(largest, format), maxRuns: 3 }, references: [], target: { rssMiB: 600 },
        note: `reference: the target (${format === 'legacy' ? '865-1,059' : '991-1,242'} MiB before issue 19); time as the verify-scale row`,
      });
    }
    return rows;
  },
};
