import { isCairnError } from '../../errors.js';
import { mapLimit } from '../../threads/index.js';
import { fetchManifestNode, fetchVerified, isIndexType, type ReadOnlyStore } from '../../oci/index.js';
import type { Descriptor, Index } from '../../schema/index.js';
import { announcedPredicateType, conventionOf, INTOTO_STATEMENT_LAYER, manifestArtifactType, type Convention, type FoundBy } from './conventions.js';
import { finder, type FoundItem } from './find.js';
import { readLayer, type LayerFacts, type TrustMaterial } from './layers.js';

// `cairn discover`'s evidence report: every item any tool attached to an image (and to each
// platform of an index), what it is and whether it verified. Filters apply as early as the
// annotations allow (the listing, then the manifest's layer annotations) so that no blob is
// pulled for an item the user filtered out; layers are read within a size cap, several at once.

export interface EvidenceDiscoveryOptions extends TrustMaterial {
  readonly artifactType?: string;
  readonly predicateType?: string;
  /** Largest layer read (default 4 MiB); bigger ones are reported, not read. */
  readonly maxLayerBytes?: number;
  /** Most layers read per manifest (default 16). */
  readonly maxLayers?: number;
  /** Items inspected at once (default 8). */
  readonly concurrency?: number;
}

/** One layer of an item as reported. */
export type LayerReport = { readonly digest: string; readonly mediaType: string; readonly size: number; readonly annotations?: Record<string, string> } & (
  | (Omit<LayerFacts, 'dsse' | 'keyless'> & { readonly aboutSubject?: boolean; readonly skipped?: undefined; readonly error?: undefined })
  | { readonly skipped: string; readonly error?: undefined }
  | { readonly error: string; readonly skipped?: undefined }
);

/** One piece of attached evidence. */
export interface EvidenceReport {
  readonly convention: Convention;
  readonly foundBy: FoundBy;
  /** The manifest the item is about (the image, or one platform of it). */
  readonly attachedTo: string;
  readonly platform?: string;
  readonly manifest: string;
  readonly artifactType?: string;
  readonly layers: LayerReport[];
  readonly error?: string;
}

/** An item with the facts (including envelopes) of its layers, for verification engines. */
export interface InspectedItem {
  readonly report: EvidenceReport;
  /** Where it was found (its manifest's descriptor, what it is attached to). */
  readonly found: FoundItem;
  readonly layers: readonly (LayerFacts & { readonly digest: string })[];
}

const DEFAULT_MAX_LAYER = 4 * 1024 * 1024;

function platformName(d: Descriptor): string | undefined {
  const p = d.platform;
  return p ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}` : undefined;
}

/** Whether a Statement's subjects name one of `digests` (sha256). */
export function namesDigest(subjects: LayerFacts['subjects'], digests: readonly string[]): boolean {
  return (subjects ?? []).some((s) => s.digest?.['sha256'] !== undefined && digests.includes(`sha256:${s.digest['sha256']}`));
}

/** Inspects one found item: its manifest, then its layers (capped, filtered, in parallel). */
export async function inspectItem(store: ReadOnlyStore, found: FoundItem, o: EvidenceDiscoveryOptions, alsoAbout: readonly string[] = [], platform?: string): Promise<InspectedItem | undefined> {
  const where = `${store.location}@${found.descriptor.digest}`;
  const head = { foundBy: found.foundBy, attachedTo: found.attachedTo.digest, ...(platform ? { platform } : {}), manifest: found.descriptor.digest };
  let node;
  try {
    node = await fetchManifestNode(store, found.descriptor);
  } catch (err) {
    if (!isCairnError(err) || err.code === 'NETWORK_ERROR' || err.code === 'UNAUTHORIZED') throw err;
    return { report: { convention: 'oras-artifact', ...head, layers: [], error: err.message }, found, layers: [] };
  }
  if (node.kind !== 'manifest') return { report: { convention: 'oras-artifact', ...head, artifactType: node.index.artifactType ?? node.desc.mediaType, layers: [], error: 'an index, not an evidence manifest' }, found, layers: [] };
  const m = node.manifest;
  const artifactType = manifestArtifactType(m);
  if (o.artifactType && artifactType !== o.artifactType) return undefined;
  const convention = conventionOf(m, found.foundBy, found.cosignKind);
  // A referrer must say what it refers to; one that names another subject lies about itself.
  if (found.foundBy !== 'cosign-tag' && found.foundBy !== 'cosign-save' && found.foundBy !== 'image-index' && m.subject?.digest !== found.attachedTo.digest) {
    return { report: { convention, ...head, artifactType, layers: [], error: `its subject is ${m.subject?.digest ?? 'missing'}, not ${found.attachedTo.digest}` }, found, layers: [] };
  }
  const about = [found.attachedTo.digest, ...alsoAbout];
  const maxLayer = o.maxLayerBytes ?? DEFAULT_MAX_LAYER;
  const layers = m.layers.slice(0, o.maxLayers ?? 16);
  const manifestAnnounces = announcedPredicateType(m);
  const results = await Promise.all(layers.map(async (l): Promise<{ report: LayerReport; facts?: LayerFacts & { digest: string } } | undefined> => {
    const head = { digest: l.digest, mediaType: l.mediaType, size: l.size, ...(l.annotations ? { annotations: l.annotations } : {}) };
    const announced = announcedPredicateType(l) ?? manifestAnnounces;
    if (o.predicateType && announced !== undefined && announced !== o.predicateType) return undefined;
    if (convention === 'buildkit-attestation' && l.mediaType !== INTOTO_STATEMENT_LAYER) return { report: { ...head, skipped: 'not an in-toto layer (BuildKit: ignored)' } };
    if (l.size > maxLayer) return { report: { ...head, skipped: `${l.size} bytes, more than the limit of ${maxLayer}: not read` } };
    try {
      const bytes = await fetchVerified(store, l, maxLayer, `${where}: layer ${l.digest}`);
      const facts = readLayer(l.mediaType, bytes, l.annotations ?? {}, o, `${where}: layer ${l.digest}`);
      if (o.predicateType && facts.predicateType !== o.predicateType) return undefined;
      const aboutSubject = facts.subjects ? namesDigest(facts.subjects, about) : facts.target !== undefined ? about.includes(facts.target) : undefined;
      const { dsse: _d, keyless: _k, statement: _s, ...shown } = facts;
      return { report: { ...head, ...shown, ...(aboutSubject !== undefined ? { aboutSubject } : {}) }, facts: { ...facts, digest: l.digest } };
    } catch (err) {
      if (!isCairnError(err) || err.code === 'NETWORK_ERROR' || err.code === 'UNAUTHORIZED') throw err;
      return { report: { ...head, error: err.message } };
    }
  }));
  const kept = results.filter((r) => r !== undefined);
  if (o.predicateType && kept.length === 0) return undefined;
  return { report: { convention, ...head, artifactType, layers: kept.map((r) => r.report) }, found, layers: kept.flatMap((r) => (r.facts ? [r.facts] : [])) };
}

/** Everything attached to `subject` (and, for an index, to each of its platform manifests). */
export async function discoverEvidence(store: ReadOnlyStore, subject: Descriptor, o: EvidenceDiscoveryOptions = {}): Promise<InspectedItem[]> {
  const find = finder(store);
  const targets: { desc: Descriptor; index?: Index; platform?: string; alsoAbout: string[] }[] = [{ desc: subject, alsoAbout: [] }];
  if (isIndexType(subject.mediaType)) {
    const node = await fetchManifestNode(store, subject);
    if (node.kind === 'index') {
      targets[0] = { desc: subject, index: node.index, alsoAbout: [] };
      for (const child of node.index.manifests) {
        if (child.annotations?.['vnd.docker.reference.type'] !== undefined) continue; // BuildKit's own entries
        const platform = platformName(child);
        targets.push({ desc: child, index: node.index, ...(platform ? { platform } : {}), alsoAbout: [subject.digest] });
      }
    }
  }
  const found: { item: FoundItem; platform?: string; alsoAbout: string[] }[] = [];
  for (const t of targets) for (const item of await find(t.desc, t.index)) found.push({ item, ...(t.platform ? { platform: t.platform } : {}), alsoAbout: t.alsoAbout });
  const pre = found.filter(({ item }) => {
    const d = item.descriptor;
    if (o.artifactType && d.artifactType !== undefined && d.artifactType !== o.artifactType) return false;
    const announced = announcedPredicateType(d);
    return !(o.predicateType && announced !== undefined && announced !== o.predicateType);
  });
  const out = await mapLimit(pre, o.concurrency ?? 8, (p) => inspectItem(store, p.item, o, p.alsoAbout, p.platform));
  return out.filter((x): x is InspectedItem => x !== undefined);
}
