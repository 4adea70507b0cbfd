import type { Argv } from 'yargs';
import type { CommandModule } from '../context.js';
import { registryOptions, storeAccess } from '../registry.js';
import { identityFrom, identityOptions, keysFrom, trustedRootFrom, trustMaterialOptions } from '../ecosystem-trust.js';

// cairn verify-attestation: cosign's verify-attestation, without a layout. Which attestations
// attached to the image (Cairn, cosign, Sigstore bundles, oras) verify with --key, or were signed
// by the certificate identity and verify offline against --trusted-root, and are about the image.
// Exit 0 when at least one does, 1 when none does.

export const verifyAttestationCommand: CommandModule = {
  command: 'verify-attestation <subject>',
  describe: 'check the attestations attached to an image with a key or a certificate identity (like cosign verify-attestation)',
  builder: (y: Argv) =>
    identityOptions(trustMaterialOptions(registryOptions(y)))
      .positional('subject', { type: 'string', describe: 'the image: host/repo:tag, host/repo@sha256:..., or oci:DIR:tag' })
      .option('type', { type: 'string', describe: 'only this predicate type (URI, or slsaprovenance1, spdx, cyclonedx, ...)' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' })
      .example('cairn verify-attestation ghcr.io/acme/app@sha256:... --certificate-identity https://github.com/acme/app/.github/workflows/build.yml@refs/heads/main --certificate-oidc-issuer https://token.actions.githubusercontent.com --trusted-root trusted_root.json --type slsaprovenance1', ''),
  run: async (argv, ctx) => {
    const { verifyImageAttestations } = await import('../../api/discover.js');
    const identity = identityFrom(argv);
    const r = await verifyImageAttestations({
      ...(await storeAccess(argv, ctx)),
      subject: String(argv['subject']),
      keys: await keysFrom(argv),
      ...(identity ? { identity } : {}),
      ...(await trustedRootFrom(argv)),
      ...(argv['type'] ? { predicateType: String(argv['type']) } : {}),
    });
    const ok = r.verdicts.filter((v) => v.verified);
    for (const v of r.verdicts) {
      const on = v.platform ? ` [${v.platform}]` : '';
      ctx.out.result(`${v.verified ? 'VERIFIED' : 'rejected'} ${v.convention}${on} ${v.manifest} ${v.predicateType ?? ''}${v.signer ? ` signed by ${v.signer}` : ''}${v.why ? `: ${v.why}` : ''}`);
    }
    if (ok.length === 0) ctx.out.info(`no attestation about ${r.subject} verifies${r.predicateType ? ` (predicate ${r.predicateType})` : ''}`);
    ctx.out.json({ image: r.subject, verified: ok, rejected: r.verdicts.filter((v) => !v.verified) });
    return ok.length > 0 ? 0 : 1;
  },
};
