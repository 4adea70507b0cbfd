import { CairnError } from '../errors.js';
import { fetchManifestNode, isImageManifestType, type ReadOnlyStore } from '../oci/index.js';
import { selectPlatform } from '../image/index.js';
import { EcosystemEvidenceSource, ReferrersEvidenceSource } from '../evidence/index.js';
import type { SigstoreTrustedRoot } from '../sigstore/index.js';
import type { Descriptor } from '../schema/index.js';
import { ImageInspectionRunner } from './inspection.js';
import type { InspectionRunner } from '../verify/index.js';
import type { VerificationReport } from '../verify/index.js';
import { verifyLayout, type VerifyLayoutOptions } from '../verify/index.js';

// `cairn verify IMAGE@sha256:...`: the layout verified over the evidence attached to the image
// (its OCI referrers) and over the image's own files. An index is verified platform by platform
// (or just the one --platform names); evidence attached to the index counts for every platform,
// and the result says where the evidence hung, because "attested the index but verified the
// platform" (or the reverse) is the most common confusion with multi-arch images.

export interface VerifyImageOptions extends Omit<VerifyLayoutOptions, 'evidence' | 'inspections'> {
  /** Where the image and its referrers are. */
  store: ReadOnlyStore;
  /** The image, resolved to a digest: a manifest or an index. */
  subject: Descriptor;
  /** `os/arch[/variant]`: verify only this platform of an index. */
  platform?: string;
  /** Runs inspections that are commands (the reserved image inspection needs none). */
  commandInspections?: InspectionRunner;
  /**
   * Verify a layout that does not bind the image (binding.ts) with a warning instead of
   * refusing it. For local experiments only: such a verdict says nothing about the image.
   */
  allowUnbound?: boolean;
  /** Sigstore trusted root for keyless bundles (steps with certificate_identities); verified offline. */
  trustedRoot?: SigstoreTrustedRoot;
}

/** The verification of one platform image. */
export interface PlatformVerification {
  readonly platform?: string;
  readonly manifest: Descriptor;
  /** How many in-toto referrers that may serve the layout hang off the platform manifest and off the index. */
  readonly referrers: { readonly onManifest: number; readonly onIndex: number };
  readonly report: VerificationReport;
}

/** The verification of an image (every platform of an index, or one image). */
export interface ImageVerification {
  readonly verdict: 'pass' | 'fail';
  readonly subject: { readonly digest: string; readonly mediaType: string };
  readonly platforms: readonly PlatformVerification[];
  /** Where evidence was found, and what that means (shown to the user as is). */
  readonly notes: readonly string[];
}

function platformName(d: Descriptor): string | undefined {
  const p = d.platform;
  return p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : undefined;
}

/** Verifies an image (or each image of an index) against a layout. */
export async function verifyImage(o: VerifyImageOptions): Promise<ImageVerification> {
  const node = await fetchManifestNode(o.store, o.subject);
  const notes: string[] = [];
  let targets: Descriptor[];
  let index: Descriptor | undefined;
  if (node.kind === 'index') {
    index = o.subject;
    targets = o.platform
      ? [selectPlatform(node.index, o.platform)]
      : node.index.manifests.filter((m) => isImageManifestType(m.mediaType) && m.platform && m.platform.os !== 'unknown');
    if (targets.length === 0) throw new CairnError('NOT_FOUND', 'the index lists no platform images', { where: o.subject.digest });
  } else {
    if (o.platform) notes.push(`${o.subject.digest} is a single image, not an index: the platform ${o.platform} was not needed`);
    targets = [o.subject];
  }
  const platforms: PlatformVerification[] = [];
  for (const manifest of targets) {
    const evidence = new ReferrersEvidenceSource(o.store, manifest, index ? { also: [index] } : {});
    const inspections = new ImageInspectionRunner(o.store, manifest, o.commandInspections, index);
    // Bound by the platform manifest, or by the index the user pinned (which lists it by digest).
    const bindImage = { digests: [manifest.digest, ...(index ? [index.digest] : [])], allowUnbound: o.allowUnbound === true };
    const image = { digest: manifest.digest, ...(platformName(manifest) ? { platform: platformName(manifest)! } : {}), ...(index ? { index: index.digest } : {}) };
    const withForeign = new EcosystemEvidenceSource(evidence, o.store, manifest, { ...(index ? { also: [index] } : {}), ...(o.trustedRoot ? { trustedRoot: o.trustedRoot } : {}) });
    const report = await verifyLayout({ ...o, evidence: withForeign, inspections, bindImage, image });
    // the referrers that may serve the layout's steps (the others were skipped while listing)
    const listed = evidence.listed();
    const onIndex = listed.filter((r) => r.on === index).length;
    const referrers = { onManifest: listed.length - onIndex, onIndex };
    notes.push(...evidence.notes);
    platforms.push({ ...(platformName(manifest) ? { platform: platformName(manifest) } : {}), manifest, referrers, report });
  }
  notes.push(...evidenceNotes(platforms, index));
  const verdict = platforms.every((p) => p.report.verdict === 'pass') ? 'pass' : 'fail';
  return { verdict, subject: { digest: o.subject.digest, mediaType: o.subject.mediaType }, platforms, notes };
}

// Says where the evidence hung, when that is likely to surprise.
function evidenceNotes(platforms: PlatformVerification[], index: Descriptor | undefined): string[] {
  const notes: string[] = [];
  const onIndex = platforms[0]?.referrers.onIndex ?? 0;
  const bare = platforms.filter((p) => p.referrers.onManifest === 0);
  if (!index) {
    if (bare.length > 0) notes.push(`no in-toto evidence is attached to ${platforms[0]!.manifest.digest}; if this image belongs to a multi-platform index, evidence attached to the index is not seen: verify the index digest instead`);
    return notes;
  }
  if (onIndex > 0 && bare.length > 0) {
    notes.push(`${onIndex} referrer(s) hang off the index ${index.digest}; they count for every platform. Platform(s) ${bare.map((p) => p.platform ?? p.manifest.digest).join(', ')} have none of their own`);
  }
  if (onIndex === 0 && bare.length < platforms.length) {
    notes.push(`the evidence hangs off the platform manifests, not off the index ${index.digest}`);
  }
  if (onIndex === 0 && bare.length === platforms.length) notes.push(`no in-toto evidence is attached to the index ${index.digest} or to its platform manifests`);
  return notes;
}
