import { isIndexType, fetchManifestNode, referrersReader, type ReadOnlyStore } from '../oci/index.js';
import type { Descriptor, Platform } from '../schema/index.js';
// the conventions alone: the ecosystem barrel loads the Sigstore readers, which discover does not use
import { BUILDKIT_REFERENCE_DIGEST, BUILDKIT_REFERENCE_TYPE, isBuildkitAttestationEntry } from './ecosystem/conventions.js';

// What is attached to an image, as `oras discover` shows it: the referrers of the manifest
// (and theirs, recursively: a signature on an attestation), and for an image index each
// platform's manifest with its own referrers. On the tag fallback the tags are listed once for
// the whole tree (referrersReader), so a wide tree costs requests per fallback index, not per node.

/** One node of the discovered tree. */
export interface DiscoveredNode {
  descriptor: Descriptor;
  platform?: Platform;
  /** Platform manifests, when the node is an index. */
  manifests: DiscoveredNode[];
  referrers: DiscoveredNode[];
}

export interface DiscoverOptions {
  artifactType?: string;
  /** How deep to follow referrers of referrers (default 4). */
  depth?: number;
}

/** Builds the tree of what refers to `root` (and to its platform manifests). */
export async function discover(store: ReadOnlyStore, root: Descriptor, options: DiscoverOptions = {}): Promise<DiscoveredNode> {
  const depth = options.depth ?? 4;
  const listReferrers = referrersReader(store);
  const referrersOf = async (desc: Descriptor, level: number, seen: Set<string>): Promise<DiscoveredNode[]> => {
    if (level >= depth) return [];
    const out: DiscoveredNode[] = [];
    for (const r of await listReferrers(desc, level === 0 ? options.artifactType : undefined)) {
      if (seen.has(r.digest)) continue;
      seen.add(r.digest);
      out.push({ descriptor: r, manifests: [], referrers: await referrersOf(r, level + 1, seen) });
    }
    return out;
  };
  const manifests: DiscoveredNode[] = [];
  if (isIndexType(root.mediaType)) {
    const node = await fetchManifestNode(store, root);
    if (node.kind === 'index') {
      // BuildKit lists a platform's attestation manifest in the index itself (platform
      // unknown/unknown, vnd.docker.reference.*): it is shown under its platform, as an attestation.
      const attestations = node.index.manifests.filter(isBuildkitAttestationEntry);
      for (const child of node.index.manifests) {
        if (attestations.includes(child) || child.annotations?.[BUILDKIT_REFERENCE_TYPE] !== undefined) continue;
        const own = attestations.filter((a) => a.annotations?.[BUILDKIT_REFERENCE_DIGEST] === child.digest).map((a): DiscoveredNode => ({ descriptor: a, manifests: [], referrers: [] }));
        manifests.push({ descriptor: child, platform: child.platform, manifests: [], referrers: [...own, ...(await referrersOf(child, 0, new Set([child.digest])))] });
      }
    }
  }
  return { descriptor: root, manifests, referrers: await referrersOf(root, 0, new Set([root.digest])) };
}

/** Every referrer in the tree, depth first (for counts and JSON). */
export function allReferrers(node: DiscoveredNode): Descriptor[] {
  return [...node.referrers.flatMap((r) => [r.descriptor, ...allReferrers(r)]), ...node.manifests.flatMap(allReferrers)];
}
