import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { digestOf } from '../../src/digest/index.js';
import { parseManifestNode, childrenOf, isManifestType } from '../../src/oci/index.js';
import { IndexSchema, parseWith, type Descriptor } from '../../src/schema/index.js';

// Checks an OCI image-layout directory the way a crash or a failed copy must leave it: every
// blob under blobs/sha256 is whole (its bytes hash to its name), index.json is valid JSON and
// an index, and everything it references, recursively, is present with the right size.
// Files that are not part of the layout (ingest/ temp files, `.index.json.tmp-*`) are only listed.

/** What checkLayoutDir found. */
export interface LayoutReport {
  blobs: number;
  /** Things that must never happen: a blob that is not its digest, a dangling or bad index. */
  problems: string[];
  /** Temp files a killed writer left (allowed; they are never read as content). */
  leftovers: string[];
}

/** Checks a layout directory; a directory a writer was killed in while creating it is not a layout yet, which is fine. */
export function checkLayoutDir(dir: string): LayoutReport {
  const report: LayoutReport = { blobs: 0, problems: [], leftovers: [] };
  const blobsDir = join(dir, 'blobs', 'sha256');
  if (existsSync(blobsDir)) {
    for (const name of readdirSync(blobsDir)) {
      const bytes = readFileSync(join(blobsDir, name));
      report.blobs++;
      if (!/^[0-9a-f]{64}$/.test(name)) report.leftovers.push(`blobs/sha256/${name}`);
      else if (digestOf(bytes) !== `sha256:${name}`) report.problems.push(`blob ${name} holds ${bytes.length} bytes that are not its digest`);
    }
  }
  const ingest = join(dir, 'ingest');
  if (existsSync(ingest)) report.leftovers.push(...readdirSync(ingest).map((n) => `ingest/${n}`));
  if (existsSync(dir)) report.leftovers.push(...readdirSync(dir).filter((n) => n.includes('.tmp-') || n.includes('.stale-') || /^index\.json\.lock\.\d+\.[0-9a-f]{8}$/.test(n)));
  const indexPath = join(dir, 'index.json');
  if (!existsSync(indexPath)) {
    // Killed while creating the layout: it is not one yet (no oci-layout marker, written last).
    if (existsSync(join(dir, 'oci-layout'))) report.problems.push('an oci-layout marker without index.json');
    return report;
  }
  let index;
  try {
    index = parseWith(IndexSchema, JSON.parse(readFileSync(indexPath, 'utf8')), indexPath);
  } catch (err) {
    report.problems.push(`index.json is not a valid index: ${String(err).slice(0, 200)}`);
    return report;
  }
  const seen = new Set<string>();
  const visit = (desc: Descriptor, from: string) => {
    if (seen.has(desc.digest)) return;
    seen.add(desc.digest);
    const path = join(blobsDir, desc.digest.replace(/^sha256:/, ''));
    if (!existsSync(path)) return void report.problems.push(`${from} references ${desc.digest}, which is missing`);
    if (statSync(path).size !== desc.size) return void report.problems.push(`${from} gives ${desc.digest} the wrong size`);
    if (!isManifestType(desc.mediaType)) return;
    try {
      for (const child of childrenOf(parseManifestNode(desc, readFileSync(path)))) visit(child, desc.digest);
    } catch (err) {
      report.problems.push(`${desc.digest} is not a readable manifest: ${String(err).slice(0, 200)}`);
    }
  };
  for (const d of index.manifests) visit(d, 'index.json');
  return report;
}
