import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CairnError } from '../../src/errors.js';
import { flattenLayers, type ImageFiles } from '../../src/image/index.js';
import { entryBlocks, genStack, layerTar, rng, type Stack } from '../helpers/layer-stacks.js';
import { layerOf, EOA } from '../helpers/tar.js';
import { chainIdOf, Containerd, isRoot, readTree, resolveInChroot, umociAvailable, umociUnpack, writeOciLayout, type TreeView } from '../helpers/unpackers.js';

// The differential of docs/image.md: seeded random layer stacks, flattened by Cairn and unpacked
// by real unpackers, must give the same tree. Every stack Cairn accepts is unpacked by umoci
// (Debian) and, as root with Debian's containerd installed, by containerd with both its
// overlayfs snapshotter (what Kubernetes runs) and its native one; the trees are compared path
// by path (type, file content, symlink target). Where umoci and containerd differ, containerd
// is the reference: umoci does not create the missing parents of a whiteout (ociWhiteout), so
// directories that hold only such directories may be missing from umoci's tree. As root, where
// Cairn says a symlink leads is checked against the kernel's own lookup in a chroot of the tree.
// Many stacks share one image, each under its own directory, so each unpacker runs once; a
// stack an unpacker refuses is found by bisection and reported (a runtime that refuses an image
// cannot run it, so those are counted, not failed). Longer runs:
// CAIRN_UNPACK_SEED=<n> CAIRN_UNPACK_STACKS=<n> node --test dist/test/interop/unpack-differential.test.js

const SEED = Number(process.env['CAIRN_UNPACK_SEED'] ?? 1303);
const STACKS = Number(process.env['CAIRN_UNPACK_STACKS'] ?? 2000);
/** How many of the accepted stacks containerd unpacks (two daemons' worth of snapshots is slow). */
const CONTAINERD_STACKS = Number(process.env['CAIRN_UNPACK_CONTAINERD_STACKS'] ?? 250);

interface Accepted {
  id: number;
  stack: Stack;
  files: ImageFiles;
  view: TreeView;
}

function viewOf(files: ImageFiles): TreeView {
  const out: TreeView = new Map();
  for (const f of files.files) {
    if (f.type === 'dir') out.set(f.path, 'dir');
    else if (f.type === 'file' || f.type === 'hardlink') out.set(f.path, `file:${f.sha256}`);
    else if (f.type === 'symlink') out.set(f.path, `symlink:${f.linkname}`);
    else if (f.type === 'fifo') out.set(f.path, 'fifo');
    else out.set(f.path, 'other');
  }
  return out;
}

/** The layers of one image holding every stack under `s<id>/`. */
function batchLayers(stacks: readonly Accepted[]): Buffer[] {
  const depth = Math.max(...stacks.map((s) => s.stack.length));
  const layers: Buffer[] = [];
  for (let i = 0; i < depth; i++) {
    const parts: Buffer[] = [];
    for (const s of stacks) {
      if (i === 0) parts.push(entryBlocks({ name: `s${s.id}/`, type: 'dir' }));
      for (const e of s.stack[i] ?? []) parts.push(entryBlocks(e, `s${s.id}`));
    }
    parts.push(EOA);
    layers.push(Buffer.concat(parts));
  }
  return layers;
}

/** The stack's part of an unpacked tree, relative to its directory. */
function part(tree: TreeView, id: number): TreeView {
  const prefix = `s${id}/`;
  const out: TreeView = new Map();
  for (const [p, v] of tree) if (p.startsWith(prefix)) out.set(p.slice(prefix.length), v);
  return out;
}

/** The differences between Cairn's view and an unpacker's; `parentsOfWhiteouts` allows umoci's. */
function differences(cairn: TreeView, real: TreeView, parentsOfWhiteouts: boolean): string[] {
  const out: string[] = [];
  for (const [p, v] of cairn) {
    const r = real.get(p);
    if (r === v) continue;
    if (r === undefined && parentsOfWhiteouts && v === 'dir' && [...cairn].every(([q, w]) => !q.startsWith(`${p}/`) || w === 'dir')) continue;
    out.push(`${p}: cairn ${v}, unpacked ${r ?? 'missing'}`);
  }
  for (const [p, r] of real) if (!cairn.has(p)) out.push(`${p}: cairn missing, unpacked ${r}`);
  return out;
}

/**
 * Stacks whose image an unpacker refuses: the stack its error names (`s<id>/` in a path) is taken
 * out and the rest tried again; an error that names none is found by bisection. `run` gives
 * undefined when a set unpacks, else the error.
 */
function refused(stacks: Accepted[], run: (s: Accepted[]) => string | undefined): Accepted[] {
  const bad: Accepted[] = [];
  let rest = stacks;
  for (;;) {
    if (rest.length === 0) return bad;
    const error = run(rest);
    if (error === undefined) return bad;
    const named = [...error.matchAll(/(?:^|[/ "'])s(\d+)\//g)].map((m) => rest.find((s) => s.id === Number(m[1]))).find(Boolean);
    if (named) {
      bad.push(named);
      rest = rest.filter((s) => s !== named);
    } else if (rest.length === 1) {
      return [...bad, ...rest];
    } else {
      const mid = rest.length >> 1;
      const found = [...refused(rest.slice(0, mid), run), ...refused(rest.slice(mid), run)];
      bad.push(...found);
      rest = rest.filter((s) => !found.includes(s));
    }
  }
}

const show = (s: Accepted) => `stack ${s.id} (seed ${SEED}): ${JSON.stringify(s.stack)}`;

describe(`unpack differential: ${STACKS} random layer stacks, seed ${SEED}`, () => {
  const accepted: Accepted[] = [];
  const codes = new Map<string, number>();
  let dir = '';
  let batch = 0;

  after(() => rmSync(dir, { recursive: true, force: true }));
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-unpack-'));
    const r = rng(SEED);
    for (let id = 0; id < STACKS; id++) {
      const stack = genStack(r);
      try {
        const files = await flattenLayers(stack.map((l) => layerOf(layerTar(l))));
        accepted.push({ id, stack, files, view: viewOf(files) });
      } catch (err) {
        if (!(err instanceof CairnError)) throw err;
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      }
    }
  });

  it('accepts enough stacks for the comparison to mean something', (t) => {
    t.diagnostic(`accepted ${accepted.length} of ${STACKS}; refused: ${JSON.stringify(Object.fromEntries(codes))}`);
    assert.ok(accepted.length >= STACKS / 4, `only ${accepted.length} of ${STACKS} stacks accepted`);
  });

  /** Writes the image of `stacks` as an OCI layout (and its tar, for ctr); returns its paths. */
  function image(stacks: Accepted[]): { layout: string; archive: string; tag: string; chainId: string } {
    const tag = `b${batch++}`;
    const layout = join(dir, tag);
    const layers = batchLayers(stacks);
    writeOciLayout(layout, layers, tag);
    const archive = `${layout}.tar`;
    spawnSync('tar', ['-cf', archive, '-C', layout, '.']);
    return { layout, archive, tag, chainId: chainIdOf(layers) };
  }

  it('gives the tree umoci unpacks, and symlinks lead where the kernel says', { skip: umociAvailable() ? false : 'umoci is not installed (Debian package umoci)' }, (t) => {
    let trees = new Map<number, TreeView>();
    let rootfs = '';
    const run = (stacks: Accepted[]): string | undefined => {
      const img = image(stacks);
      const r = umociUnpack(img.layout, img.tag, join(dir, `${img.tag}-bundle`));
      if ('error' in r) return r.error;
      rootfs = r.rootfs;
      const tree = readTree(r.rootfs);
      trees = new Map(stacks.map((s) => [s.id, part(tree, s.id)]));
      return undefined;
    };
    const bad = refused(accepted, run);
    t.diagnostic(`umoci compared ${accepted.length - bad.length} stacks, refused ${bad.length}${bad.length ? `, e.g. ${show(bad[0]!)}` : ''}`);
    const compared = accepted.filter((s) => !bad.includes(s));
    if (bad.length > 0) assert.equal(run(compared), undefined, 'umoci refuses the image without the stacks it refused');
    const diffs = compared.flatMap((s) => differences(s.view, trees.get(s.id)!, true).map((d) => `${show(s)}\n  ${d}`));
    assert.deepEqual(diffs.slice(0, 5), [], `${diffs.length} differences from umoci`);
    if (!isRoot()) return t.diagnostic('not root: symlink lookups not checked against the kernel');
    const jobs = compared.map((s) => ({ dir: join(rootfs, `s${s.id}`), links: s.files.files.filter((f) => f.type === 'symlink').map((f) => f.path) }));
    const kernel = resolveInChroot(jobs);
    const wrong: string[] = [];
    compared.forEach((s, i) => {
      for (const f of s.files.files.filter((x) => x.type === 'symlink')) {
        const k = kernel[i]!.get(f.path)!;
        const cairn = f.sha256 === undefined ? 'none' : `file:${f.sha256}:${f.resolved}`;
        if (k.startsWith('file:') ? k !== cairn : cairn !== 'none') wrong.push(`${show(s)}\n  ${f.path} -> ${f.linkname}: cairn ${cairn}, kernel ${k}`);
      }
    });
    t.diagnostic(`symlinks checked: ${jobs.reduce((n, j) => n + j.links.length, 0)}`);
    assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} symlinks lead elsewhere than the kernel says`);
  });

  const why = Containerd.unavailable();
  describe('containerd', { skip: why ? `${why}: compared with umoci alone` : false }, () => {
    let ctd: Containerd | undefined;
    before(async () => {
      ctd = await Containerd.start(join(dir, 'containerd'));
    });
    after(() => ctd?.stop());

    for (const snapshotter of ['overlayfs', 'native'] as const) {
      it(`gives the tree containerd unpacks with its ${snapshotter} snapshotter`, (t) => {
        let trees = new Map<number, TreeView>();
        const run = (stacks: Accepted[]): string | undefined => {
          const img = image(stacks);
          const failed = ctd!.unpack(img.archive, img.tag, img.chainId, snapshotter, (rootfs) => {
            const tree = readTree(rootfs);
            trees = new Map(stacks.map((s) => [s.id, part(tree, s.id)]));
          });
          return failed?.error;
        };
        const some = accepted.slice(0, CONTAINERD_STACKS);
        const bad = refused(some, run);
        t.diagnostic(`containerd (${snapshotter}) compared ${some.length - bad.length} stacks, refused ${bad.length} stacks${bad.length ? `, e.g. ${show(bad[0]!)}` : ''}`);
        const compared = some.filter((s) => !bad.includes(s));
        if (bad.length > 0) assert.equal(run(compared), undefined, 'containerd refuses the image without the stacks it refused');
        const diffs = compared.flatMap((s) => differences(s.view, trees.get(s.id)!, false).map((d) => `${show(s)}\n  ${d}`));
        assert.deepEqual(diffs.slice(0, 5), [], `${diffs.length} differences from containerd (${snapshotter})`);
      });
    }
  });
});
