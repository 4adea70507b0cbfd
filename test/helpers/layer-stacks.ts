import { blocks, EOA, rawHeader } from './tar.js';

// Seeded random layer stacks for the unpack differential: files, directories, symlinks, hard
// links, fifos, whiteouts, opaque markers, overwrites and odd names (`./`, `/`, `//`, `x/../`,
// directories named `.wh.*`, spaces, UTF-8), drawn from a small pool of names so that entries
// collide across layers and within one. A stack can be written alone or under a prefix
// directory, so that many stacks share one image (one unpacker run for thousands of stacks).

/** One tar entry of a generated layer. */
export interface GenEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo';
  content?: string;
  linkname?: string;
}

/** A stack of layers, bottom first. */
export type Stack = GenEntry[][];

import { prng as rng } from './prng.js';

export { rng };

const DIRS = ['a', 'a', 'a', 'b', 'b', 'c', 'd', '.wh..wh.h', '.wh.w', 'sp ace', 'ü'];
const LEAVES = ['f', 'f', 'g', 'g', 'h', 'a', 'b', '.wh..wh.h', 'ü'];
const CONTENTS = ['', 'x', 'y', 'zz', 'hello\n'];
const TARGETS = ['a', 'b', 'f', 'a/f', '../a/g', '../../b/f', '/a', '/a/f', '/c', '.', '..', 'nope', './g', 'a/', 'f/', '/.wh..wh.h/f', '.wh.w/g', 'ü', 'h'];

/** Draws one stack: 1 to 4 layers of 1 to 8 entries. */
export function genStack(r: () => number): Stack {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const dirOf = (): string => Array.from({ length: Math.floor(r() * r() * 3) }, () => `${pick(DIRS)}/`).join('');
  const leafOf = (): string => dirOf() + pick(LEAVES);
  const odd = (p: string): string => {
    const x = r();
    if (x < 0.04) return `./${p}`;
    if (x < 0.07) return `/${p}`;
    if (x < 0.09) return `x/../${p}`;
    if (x < 0.11) return p.replace('/', '//');
    return p;
  };
  const layers: Stack = [];
  const nLayers = 1 + Math.floor(r() * 4);
  for (let l = 0; l < nLayers; l++) {
    const layer: GenEntry[] = [];
    const nEntries = 1 + Math.floor(r() * 8);
    for (let e = 0; e < nEntries; e++) {
      const k = r();
      const same = layer.filter((x) => x.type === 'file' && !/(^|\/)\.wh\.[^/]*$/.test(x.name));
      if (k < 0.3 || (k >= 0.57 && k < 0.65 && same.length === 0 && r() < 0.8)) layer.push({ name: odd(leafOf()), type: 'file', content: pick(CONTENTS) });
      else if (k < 0.45) layer.push({ name: `${odd(dirOf() + pick(DIRS))}/`, type: 'dir' });
      else if (k < 0.57) layer.push({ name: odd(leafOf()), type: 'symlink', linkname: pick(TARGETS) });
      else if (k < 0.65) {
        // mostly to a file this layer wrote, as builders write hard links
        const target = same.length > 0 && r() < 0.9 ? pick(same).name : leafOf();
        layer.push({ name: odd(leafOf()), type: 'hardlink', linkname: target });
      } else if (k < 0.67) layer.push({ name: odd(leafOf()), type: 'fifo' });
      else if (k < 0.85) layer.push({ name: odd(`${dirOf()}.wh.${r() < 0.5 ? pick(LEAVES) : pick(DIRS)}`), type: 'file', content: '' });
      else layer.push({ name: odd(`${r() < 0.2 ? '' : dirOf() + pick(DIRS) + '/'}.wh..wh..opq`), type: 'file', content: '' });
    }
    // builders write a layer's markers first, mostly: keep some stacks the other way round
    const marker = (x: GenEntry) => /(^|\/)\.wh\.[^/]*$/.test(x.name);
    if (r() < 0.25) layers.push(layer);
    else {
      // ... and hide only what no other entry of the layer names
      const markers = layer.filter(marker);
      const target = (m: GenEntry) => norm(m.name.replace(/(^|\/)\.wh\.(\.wh\.\.opq)?/, '$1'));
      const others = layer.filter((x) => !marker(x)).map((x) => norm(x.name));
      const clash = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`) || a === '' || b === '';
      const kept = markers.filter((m, i) => !others.some((o) => clash(o, target(m))) && !markers.some((n, j) => j !== i && clash(target(n), target(m))));
      layers.push([...kept, ...layer.filter((x) => !marker(x))]);
    }
  }
  return layers;
}

// A name as the flattener reads it (relative, no `.` or empty segments, `..` resolved).
function norm(name: string): string {
  const out: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '' && seg !== '.') out.push(seg);
  }
  return out.join('/');
}

const FLAGS = { file: '0', hardlink: '1', symlink: '2', dir: '5', fifo: '6' } as const;

/** The tar of one layer, each name (and hard link target) under `prefix` when one is given. */
export function layerTar(entries: readonly GenEntry[], prefix = ''): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) parts.push(entryBlocks(e, prefix));
  parts.push(EOA);
  return Buffer.concat(parts);
}

/** The header and data blocks of one entry (no end-of-archive marker). */
export function entryBlocks(e: GenEntry, prefix = ''): Buffer {
  const under = (n: string) => (prefix ? `${prefix}/${n}` : n);
  const content = Buffer.from(e.content ?? '');
  const size = e.type === 'file' ? content.length : 0;
  const linkname = e.type === 'hardlink' ? under(e.linkname!) : e.linkname;
  const header = rawHeader({ name: under(e.name), flag: FLAGS[e.type], size, mode: e.type === 'dir' ? 0o755 : 0o644, ...(linkname !== undefined ? { linkname } : {}) });
  return size > 0 ? Buffer.concat([header, blocks(content)]) : header;
}
