import { CAIRN_VERSION } from './version.js';
import type { CliContext } from './context.js';
import { openReference, referrerFlags, withStores } from './registry.js';
import type { LayoutKeys } from './commands/verify.js';
import type { FileOrReference } from './file-or-reference.js';
import type { ImageVerification } from '../image-verify/index.js';
import type { SignedDocument } from '../intoto/index.js';
import type { Store } from '../oci/index.js';
import type { Descriptor } from '../schema/index.js';

// `cairn verify IMAGE`: resolve the image (and the layout, if it is a reference) once, say so
// when a tag was used, then verify by digest only: evidence from the image's referrers, rules
// over its files. Optionally sign the result (a SLSA VSA) and attach it to the image.

interface LoadedLayout {
  document: SignedDocument;
  origin: string;
  digest: string;
}

// The layout: a local file, or an artifact in a registry / OCI layout (pinned by digest; a tag
// is resolved once, with a warning). Which one is decided by fileOrReference, never by what
// happens to be on disk.
async function loadLayout(input: FileOrReference, argv: Record<string, unknown>, ctx: CliContext, stores: Store[]): Promise<LoadedLayout> {
  const { digestOf } = await import('../digest/index.js');
  const text = input.kind === 'file' ? input.path : input.text;
  if (input.kind === 'file') {
    const { readInputFile } = await import('../disk/index.js');
    const { readSignedDocument } = await import('../intoto/index.js');
    const bytes = readInputFile(text);
    return { document: readSignedDocument(bytes, text), origin: text, digest: digestOf(bytes) };
  }
  const { resolveReference, formatReference } = await import('../oci/index.js');
  const { pullLayout } = await import('../attest/index.js');
  const { ref, store } = await openReference(text, argv, ctx);
  stores.push(store);
  const desc = await resolveReference(store, ref);
  if (!ref.digest) ctx.out.warn(`the layout was given by tag (${text}): resolved once to ${desc.digest}; pin it by digest`);
  const pulled = await pullLayout(store, desc);
  return { document: pulled.document, origin: `${formatReference({ ...ref, tag: undefined, digest: undefined })}@${desc.digest}`, digest: desc.digest };
}

/** Runs image verification and prints the result; returns the exit code. */
export async function verifyImageCommand(subjectText: string, keys: LayoutKeys, argv: Record<string, unknown>, ctx: CliContext): Promise<number> {
  const { resolveReference, formatReference } = await import('../oci/index.js');
  const { verifyImage } = await import('../image-verify/index.js');
  const { LocalInspectionRunner } = await import('../verify/index.js');
  const { fileOrReference } = await import('./file-or-reference.js');
  const layoutInput = await fileOrReference(String(argv['layout']), '--layout');
  const { ref, store } = await openReference(subjectText, argv, ctx);
  const stores: Store[] = [store];
  return withStores(stores, async () => {
    const subject = await resolveReference(store, ref);
    if (!ref.digest) ctx.out.warn(`${subjectText} was given by tag: resolved once to ${subject.digest}; everything below is by digest (pin it to avoid the race)`);
    const repository = formatReference({ ...ref, tag: undefined, digest: undefined });
    ctx.out.info(`verifying ${repository}@${subject.digest}`);
    const layout = await loadLayout(layoutInput, argv, ctx, stores);
    const timeout = Number(argv['inspection-timeout']);
    const runner = new LocalInspectionRunner({ workDir: String(argv['work-dir']), inPlace: Boolean(argv['inspect-in-place']), timeoutMs: timeout > 0 ? timeout * 1000 : undefined });
    const allowUnbound = Boolean(argv['allow-unbound']);
    if (allowUnbound) ctx.out.warn('--allow-unbound: a layout that does not bind this image is accepted; such a verdict says nothing about the image. For local experiments only, never in CI or admission');
    const { trustedRootFrom } = await import('./ecosystem-trust.js');
    const trustedRoot = await trustedRootFrom(argv, ctx);
    let result: ImageVerification;
    try {
      result = await verifyImage({
        store, subject, layout: layout.document, origin: layout.origin, commandInspections: runner,
        layoutKeys: keys.keys, ...(keys.threshold ? { layoutThreshold: keys.threshold } : {}), ...(keys.revoked ? { revoked: keys.revoked } : {}),
        ...(argv['platform'] ? { platform: String(argv['platform']) } : {}),
        ...(keys.parameters ? { parameters: keys.parameters } : {}),
        allowUnbound,
        ...(trustedRoot ? { trustedRoot } : {}),
      });
    } finally {
      runner.dispose();
    }
    await printResult(result, ctx);
    let summary: string | undefined;
    if (argv['summary-key']) summary = await pushSummary(result, { repository, store, layout, subject }, argv, ctx);
    const { VERIFY_JSON_SCHEMA_VERSION } = await import('./verify-report.js');
    ctx.out.json({ schemaVersion: VERIFY_JSON_SCHEMA_VERSION, mode: 'image', ...result, image: `${repository}@${subject.digest}`, layout: { origin: layout.origin, digest: layout.digest }, ...(summary ? { summary } : {}) });
    return result.verdict === 'pass' ? 0 : 1;
  });
}

async function printResult(result: ImageVerification, ctx: CliContext): Promise<void> {
  const { reportLines, verdictLine } = await import('./verify-report.js');
  for (const p of result.platforms) {
    if (result.platforms.length > 1 || p.platform) ctx.out.result(`== ${p.platform ?? 'image'} ${p.manifest.digest} (referrers: ${p.referrers.onManifest} on the image, ${p.referrers.onIndex} on the index)`);
    for (const l of reportLines(p.report)) ctx.out.result(l);
    if (result.platforms.length > 1) ctx.out.result(verdictLine(p.report));
  }
  for (const n of result.notes) ctx.out.result(`NOTE  ${n}`);
  const failed = result.platforms.filter((p) => p.report.verdict === 'fail');
  if (result.platforms.length === 1) ctx.out.result(verdictLine(result.platforms[0]!.report));
  else ctx.out.result(failed.length === 0 ? `PASS: all ${result.platforms.length} platforms passed verification` : `FAIL: ${failed.map((p) => p.platform ?? p.manifest.digest).join(', ')} failed verification`);
}

// Signs the verdict as a SLSA VSA and attaches it to the image.
async function pushSummary(result: ImageVerification, o: { repository: string; store: Store; layout: LoadedLayout; subject: Descriptor }, argv: Record<string, unknown>, ctx: CliContext): Promise<string | undefined> {
  if (result.verdict !== 'pass') {
    ctx.out.info('no verification summary pushed: verification failed');
    return undefined;
  }
  if (result.platforms.some((p) => p.report.checks.some((c) => c.check === 'image-binding' && c.verdict !== 'pass'))) {
    ctx.out.warn('no verification summary pushed: the layout does not bind the image (--allow-unbound)');
    return undefined;
  }
  const { loadKeyFile } = await import('./context.js');
  const { verificationSummary, attach } = await import('../attest/index.js');
  const { signStatement } = await import('../intoto/index.js');
  const { parseDigest } = await import('../digest/index.js');
  const key = await loadKeyFile(String(argv['summary-key']), ctx.env, argv['password-env'] as string | undefined);
  const inputs = result.platforms.flatMap((p) => p.report.checks.flatMap((c) => (c.check === 'step-evidence' ? c.evidence : []).flatMap((e) => (e.accepted && e.source.store === 'referrers' ? [parseDigest(e.source.digest)] : []))));
  const statement = verificationSummary({
    repository: o.repository,
    image: parseDigest(result.subject.digest),
    policy: { uri: o.layout.origin, digest: parseDigest(o.layout.digest) },
    inputAttestations: inputs,
    passed: true,
    version: CAIRN_VERSION,
  });
  const doc = await signStatement(statement, [key]);
  const r = await attach(o.store, o.subject, doc, { referrer: referrerFlags(argv) });
  ctx.out.info(`pushed a signed verification summary: ${r.descriptor.digest}`);
  return r.descriptor.digest;
}
