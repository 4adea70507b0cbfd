import { CAIRN_VERSION } from './version.js';
import type { CliContext } from './context.js';
import { loadKeyFile } from './context.js';
import type { FileOrReference } from './file-or-reference.js';
import { trustedRootFrom } from './ecosystem-trust.js';
import type { ImageVerification, LayoutSigners, VerifyContext } from '../api/verify.js';

// `cairn verify IMAGE`: the facade's verifyImageWithLayout, the call the deploy gate makes too
// (the image resolved once, a tag reported, everything after by digest; evidence from the
// image's referrers, rules over its files); this file maps the flags to it and prints. With
// --summary-key a PASS is signed as a SLSA VSA bound to the policy, as the gate signs them.

/** Runs image verification and prints the result; returns the exit code. */
export async function verifyImageCommand(subjectText: string, layoutInput: FileOrReference, signers: LayoutSigners, parameters: Record<string, string> | undefined, argv: Record<string, unknown>, ctx: CliContext, context: VerifyContext): Promise<number> {
  const { verifyImageWithLayout } = await import('../api/verify.js');
  const allowUnbound = Boolean(argv['allow-unbound']);
  if (allowUnbound) ctx.out.warn('--allow-unbound: a layout that does not bind this image is accepted; such a verdict says nothing about the image. For local experiments only, never in CI or admission');
  const timeout = Number(argv['inspection-timeout']);
  const summaryKey = argv['summary-key'] ? () => loadKeyFile(String(argv['summary-key']), ctx.env, argv['password-env'] as string | undefined) : undefined;
  const r = await verifyImageWithLayout({
    ...context,
    image: subjectText,
    layout: layoutInput.kind === 'file' ? { file: layoutInput.path } : { reference: layoutInput.text },
    signers,
    ...(argv['platform'] ? { platform: String(argv['platform']) } : {}),
    ...(parameters ? { parameters } : {}),
    allowUnbound,
    ...(await trustedRootFrom(argv)),
    inspections: { workDir: String(argv['work-dir']), inPlace: Boolean(argv['inspect-in-place']), timeoutMs: timeout > 0 ? timeout * 1000 : undefined },
    ...(summaryKey ? { summary: { key: summaryKey, version: CAIRN_VERSION } } : {}),
  });
  await printResult(r.verification, ctx);
  const s = r.summary;
  if (s && 'skipped' in s) {
    if (s.skipped === 'failed') ctx.out.info('no verification summary pushed: verification failed');
    else ctx.out.warn('no verification summary pushed: the layout does not bind the image (--allow-unbound)');
  } else if (s) ctx.out.info(`pushed a signed verification summary: ${s.digest}`);
  const { VERIFY_JSON_SCHEMA_VERSION } = await import('./verify-report.js');
  ctx.out.json({ schemaVersion: VERIFY_JSON_SCHEMA_VERSION, mode: 'image', ...r.verification, image: r.verdict.image, layout: r.layout, ...(s && 'digest' in s ? { summary: s.digest } : {}) });
  return r.verification.verdict === 'pass' ? 0 : 1;
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
