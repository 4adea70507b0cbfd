import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { cairn, run, DEBIAN_PYTHON } from '../helpers/exec.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { tmpDir } from '../helpers/tmp.js';

// What the demo leaves behind for programs and people (issue 17): `cairn verify --output json`
// (image mode and local mode, pass and fail) valid against the published JSON Schema
// (docs/verify-report.schema.json, read with zod's JSON Schema reader), and `cairn layout graph`
// pictures of the demo's supply chain, read back with a real XML parser (Python's
// xml.etree.ElementTree): its boxes, arrows and colours.

interface SvgNode { id: string; kind: string; status: string; fill: string; texts: string[] }
interface SvgEdge { from: string; to: string; label: string; marker: string }

// Parses an SVG with Python's XML parser and returns what it draws.
function readSvg(file: string): { root: string; nodes: SvgNode[]; edges: SvgEdge[] } {
  const script = `
import json, sys, xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
groups = root.findall(ns + 'g')
nodes = [{'id': g.get('data-id'), 'kind': g.get('data-kind'), 'status': g.get('data-status'), 'fill': g.find(ns + 'rect').get('fill'),
          'texts': [t.text for t in g.findall(ns + 'text')]} for g in groups if g.get('class') == 'node']
edges = [{'from': g.get('data-from'), 'to': g.get('data-to'), 'label': g.find(ns + 'text').text, 'marker': g.find(ns + 'path').get('marker-end')}
         for g in groups if g.get('class') == 'edge']
print(json.dumps({'root': root.tag, 'nodes': nodes, 'edges': edges}))
`;
  const r = run(DEBIAN_PYTHON, ['-c', script, file]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { root: string; nodes: SvgNode[]; edges: SvgEdge[] };
}

const GREEN = '#d7f5dd';
const RED = '#fbd9d9';

describe('the demo\'s verification JSON and pictures', () => {
  const dir = tmpDir('cairn-demo-out-');
  const schema = z.fromJSONSchema(JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'verify-report.schema.json'), 'utf8')));

  before(() => {
    const r = spawnSync('bash', [join(REPO_ROOT, 'demo', 'demo.sh')], { env: { ...process.env, DEMO_DIR: dir, REGISTRY: '' }, encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-4000));
  });

  it('verify --output json has schemaVersion 1 and validates against docs/verify-report.schema.json', () => {
    const pass = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { schemaVersion: number; mode: string; verdict: string };
    const fail = JSON.parse(readFileSync(join(dir, 'attack-report.json'), 'utf8')) as { verdict: string };
    assert.deepEqual([pass.schemaVersion, pass.mode, pass.verdict, fail.verdict], [1, 'image', 'pass', 'fail']);
    for (const report of [pass, fail]) {
      const parsed = schema.safeParse(report);
      assert.ok(parsed.success, JSON.stringify(parsed.error?.issues?.slice(0, 3)));
    }
    // local mode, on a layout of the demo's build step alone (its verdict does not matter here: the shape does)
    for (const args of [['layout', 'create', '--step', 'build=carl.pub', '--no-image', '--out', 'local.layout'], ['layout', 'sign', 'local.layout', '--key', 'alice']]) {
      const r = cairn(args, dir);
      assert.equal(r.status, 0, r.stderr);
    }
    const local = cairn(['verify', '--layout', 'local.layout', '--layout-key', 'alice.pub', '--link-dir', '.', '--output', 'json'], dir);
    assert.ok(local.status === 0 || local.status === 1, local.stderr);
    const localReport = JSON.parse(local.stdout) as { mode: string };
    assert.equal(localReport.mode, 'local');
    assert.ok(schema.safeParse(localReport).success, JSON.stringify(schema.safeParse(localReport).error?.issues?.slice(0, 3)));
    // the schema is not a rubber stamp
    assert.equal(schema.safeParse({ ...pass, verdict: 'maybe' }).success, false);
    assert.equal(schema.safeParse({ ...pass, schemaVersion: 2 }).success, false);
    assert.equal(schema.safeParse({ ...localReport, checks: [{ check: 'vibes', verdict: 'pass', message: '' }] }).success, false);
  });

  it('layout graph draws every step and inspection, the MATCH rules as arrows, green when verification passed', () => {
    const svg = readSvg(join(dir, 'supply-chain.svg'));
    assert.equal(svg.root, '{http://www.w3.org/2000/svg}svg');
    assert.deepEqual(svg.nodes.map((n) => [n.id, n.kind]), [['write-code', 'step'], ['build', 'step'], ['package', 'step'], ['image', 'inspection']]);
    for (const n of svg.nodes) assert.deepEqual([n.id, n.status, n.fill], [n.id, 'pass', GREEN]);
    assert.match(svg.nodes.find((n) => n.id === 'build')!.texts.join(' '), /threshold 1 of carl/);
    assert.deepEqual(svg.edges.map((e) => `${e.from}->${e.to}`).sort(), ['build->image', 'build->package', 'package->image', 'package->image', 'write-code->build']);
    assert.ok(svg.edges.every((e) => e.marker === 'url(#arrow)'));
    assert.match(svg.edges.find((e) => e.to === 'image' && e.from === 'build')!.label, /usr\/local\/bin\/app \(products → materials\)/);
  });

  it('the attack picture has the image inspection red with its failing rule written on it', () => {
    const svg = readSvg(join(dir, 'supply-chain-attack.svg'));
    const image = svg.nodes.find((n) => n.id === 'image')!;
    assert.deepEqual([image.status, image.fill], ['fail', RED]);
    assert.match(image.texts.join(' '), /FAIL: DISALLOW \* rejected usr\/local\/bin\/app/);
    assert.deepEqual(svg.nodes.filter((n) => n.id !== 'image').map((n) => n.fill), [GREEN, GREEN, GREEN]);
  });

  it('draws DOT and Mermaid too', () => {
    const dot = cairn(['layout', 'graph', 'root.layout', '--verify-report', 'attack-report.json', '--format', 'dot'], dir);
    assert.equal(dot.status, 0, dot.stderr);
    assert.match(dot.stdout, /^digraph supply_chain \{/);
    assert.equal(dot.stdout.match(/ -> /g)?.length, 5);
    assert.match(dot.stdout, /"image" \[label="inspection image\\nruns cairn:image\\nFAIL: [^"]*", fillcolor="#fbd9d9"/);
    const mermaid = cairn(['layout', 'graph', 'root.layout', '--format', 'mermaid'], dir);
    assert.equal(mermaid.status, 0, mermaid.stderr);
    assert.match(mermaid.stdout, /^flowchart LR\n/);
    assert.equal(mermaid.stdout.match(/ -->\|/g)?.length, 5);
    const bad = cairn(['layout', 'graph', 'root.layout', '--verify-report', 'root.layout'], dir);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /not a report of cairn verify --output json/);
  });

  it('the pictures committed in docs/demo/ have the demo\'s structure (make demo regenerates them)', () => {
    for (const name of ['supply-chain.svg', 'supply-chain-attack.svg']) {
      const committed = readSvg(join(REPO_ROOT, 'docs', 'demo', name));
      const fresh = readSvg(join(dir, name));
      assert.deepEqual(committed.nodes.map((n) => [n.id, n.status, n.fill]), fresh.nodes.map((n) => [n.id, n.status, n.fill]), name);
      assert.deepEqual(committed.edges.map((e) => [e.from, e.to, e.label]), fresh.edges.map((e) => [e.from, e.to, e.label]), name);
    }
  });
});
