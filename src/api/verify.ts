import { digestOf } from '../digest/index.js';
import type { PrivateKey } from '../crypto/index.js';
import { readSignedDocument } from '../intoto/index.js';
import { resolveReference } from '../oci/index.js';
import { pullLayout } from '../attest/index.js';
import { DirectoryEvidenceSource, type EvidenceSource } from '../evidence/index.js';
import { LocalInspectionRunner, verifyLayout, type LocalInspectionOptions, type VerificationReport } from '../verify/index.js';
import type { ImageVerification } from '../image-verify/index.js';
import { policyDigest, trustAnchor, verifyImageRef, type GatePolicy, type GateVerdict, type LayoutSigners, type PreparedPolicy, type TrustAnchor, type TrustStateStore } from '../gate/index.js';
import type { WalkResult } from '../trust/index.js';
import { opener, openRef, withStores, type StoreAccess } from './access.js';
import { repositoryOf } from './reference.js';
import { diskReader, type FileReader } from './files.js';
import { loadTrustedRoot, type TrustedRootSource } from './trust-material.js';
import { publishVerdictSummary } from './gate.js';

// Verification as whole jobs: a layout against a directory of links (in-toto-verify), and an
// image against a layout, through the same call the deploy gate makes (verifyImageRef), so a
// verdict, and a verification summary signed from it, mean the same whoever asked. Clock, stores
// (the HTTP client) and file access are parameters; the defaults are the local machine.

export type { ImageVerification, LayoutSigners, TrustAnchor, VerificationReport };

/** What the jobs report while they run (the CLI prints them; a server logs them). */
export type VerifyEvent =
  | { readonly kind: 'trust-root-walked'; readonly walk: WalkResult }
  | { readonly kind: 'layout-resolved'; readonly reference: string; readonly digest: string; readonly pinned: boolean }
  | { readonly kind: 'image-resolved'; readonly image: string; readonly subject: string; readonly pinned: boolean };

/** What every verification job takes besides its inputs. */
export interface VerifyContext extends StoreAccess {
  /** Rollback state of trust roots (a CLI: files; a server: memory). */
  trustState?: TrustStateStore;
  now?: () => Date;
  readFile?: FileReader;
  onEvent?: (e: VerifyEvent) => void;
  onWarning?: (line: string) => void;
}

async function anchorOf(signers: LayoutSigners, c: VerifyContext): Promise<TrustAnchor> {
  const anchor = await trustAnchor(signers, { openStore: opener(c), ...(c.trustState ? { trustState: c.trustState } : {}), ...(c.now ? { now: c.now } : {}), ...(c.onWarning ? { onWarning: c.onWarning } : {}) }, 'layout signers');
  if (anchor.walk) c.onEvent?.({ kind: 'trust-root-walked', walk: anchor.walk });
  return anchor;
}

/** Verifies the layout in `layoutFile` against the links in `linkDir` (or another evidence source). */
export async function verifyLinkDir(o: VerifyContext & {
  layoutFile: string;
  signers: LayoutSigners;
  linkDir?: string;
  evidence?: EvidenceSource;
  parameters?: Record<string, string>;
  inspections: LocalInspectionOptions;
}): Promise<VerificationReport> {
  const anchor = await anchorOf(o.signers, o);
  const document = readSignedDocument((o.readFile ?? diskReader)(o.layoutFile).toString('utf8'), o.layoutFile);
  const runner = new LocalInspectionRunner(o.inspections);
  try {
    return await verifyLayout({
      layout: document,
      layoutKeys: anchor.keys,
      ...(anchor.threshold ? { layoutThreshold: anchor.threshold } : {}),
      ...(anchor.revoked ? { revoked: anchor.revoked } : {}),
      evidence: o.evidence ?? new DirectoryEvidenceSource(o.linkDir ?? '.'),
      ...(o.parameters ? { parameters: o.parameters } : {}),
      inspections: runner,
      origin: o.layoutFile,
      ...(o.now ? { now: o.now() } : {}),
    });
  } finally {
    runner.dispose();
  }
}

/** A layout given as a file, or as a reference to a pushed layout (a tag is resolved once, and reported). */
export type LayoutSource = { readonly file: string } | { readonly reference: string };

async function layoutOf(source: LayoutSource, c: VerifyContext): Promise<PreparedPolicy['layout']> {
  if ('file' in source) {
    const bytes = (c.readFile ?? diskReader)(source.file);
    return { document: readSignedDocument(bytes, source.file), origin: source.file, digest: digestOf(bytes) };
  }
  const { ref, store } = await openRef(source.reference, c);
  return withStores([store], async () => {
    const desc = await resolveReference(store, ref);
    c.onEvent?.({ kind: 'layout-resolved', reference: source.reference, digest: desc.digest, pinned: ref.digest !== undefined });
    const pulled = await pullLayout(store, desc);
    return { document: pulled.document, origin: `${repositoryOf(ref)}@${desc.digest}`, digest: desc.digest };
  });
}

/** What verifyImageWithLayout decided, and the summary it attached. */
export interface ImageVerdict {
  readonly verdict: GateVerdict;
  readonly verification: ImageVerification;
  readonly layout: { readonly origin: string; readonly digest: string };
  /** The summary attached (its digest), or why none was. */
  readonly summary?: { readonly digest: string } | { readonly skipped: 'failed' | 'unbound' };
}

/** Verifies the image `image` names against a layout, as the gate does; with `summaryKey`, attaches a signed summary of a PASS. */
export async function verifyImageWithLayout(o: VerifyContext & {
  image: string;
  layout: LayoutSource;
  signers: LayoutSigners;
  platform?: string;
  parameters?: Record<string, string>;
  allowUnbound?: boolean;
  /** Sigstore trusted root: a file or a pinned reference. */
  trustedRoot?: TrustedRootSource;
  inspections: LocalInspectionOptions;
  /** Sign a PASS with this key (or the key this loads, only when there is a PASS to sign). */
  summary?: { key: PrivateKey | (() => Promise<PrivateKey>); version: string };
}): Promise<ImageVerdict> {
  const [layout, anchor] = await Promise.all([layoutOf(o.layout, o), anchorOf(o.signers, o)]);
  const policy: GatePolicy = { name: 'verify', layout: layout.origin, signers: o.signers, requireDigest: false, ...(o.platform ? { platform: o.platform } : {}), ...(o.parameters ? { parameters: o.parameters } : {}) };
  const prepared: PreparedPolicy = { policy, layout, anchor, digest: policyDigest(policy, layout.digest, anchor.digest) };
  const trustedRoot = o.trustedRoot !== undefined ? await loadTrustedRoot(o.trustedRoot, o, o.readFile) : undefined;
  const runner = new LocalInspectionRunner(o.inspections);
  let verdict: GateVerdict;
  try {
    verdict = await verifyImageRef(o.image, policy, {
      prepared,
      openStore: opener(o),
      commandInspections: runner,
      layoutDirectories: true,
      errorsAsVerdicts: false,
      ...(o.allowUnbound ? { allowUnbound: true } : {}),
      ...(trustedRoot ? { trustedRoot } : {}),
      ...(o.now ? { now: o.now } : {}),
      onResolved: (r) => o.onEvent?.({ kind: 'image-resolved', ...r }),
    });
  } finally {
    runner.dispose();
  }
  const verification = verdict.verification!;
  const base = { verdict, verification, layout: { origin: layout.origin, digest: layout.digest } };
  if (!o.summary) return base;
  if (verdict.verdict !== 'pass') return { ...base, summary: { skipped: 'failed' } };
  const unbound = verification.platforms.some((p) => p.report.checks.some((c) => c.check === 'image-binding' && c.verdict !== 'pass'));
  if (unbound) return { ...base, summary: { skipped: 'unbound' } };
  const key = typeof o.summary.key === 'function' ? await o.summary.key() : o.summary.key;
  const digest = await publishVerdictSummary(verdict, prepared, { ...o, key, version: o.summary.version, reference: o.image });
  return { ...base, summary: { digest } };
}
