import type { Argv } from 'yargs';
import type { CommandModule } from '../context.js';
import { openReference, registryOptions, withStores } from '../registry.js';
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
    const { resolveReference } = await import('../../oci/index.js');
    const { verifyAttestations, predicateTypeOf } = await import('../../attest/index.js');
    const predicateType = argv['type'] ? predicateTypeOf(String(argv['type'])) : undefined;
    const identity = identityFrom(argv);
    const keys = await keysFrom(argv);
    const trustedRoot = await trustedRootFrom(argv, ctx);
    const { ref, store } = await openReference(String(argv['subject']), argv, ctx);
    return withStores([store], async () => {
      const subject = await resolveReference(store, ref);
      const verdicts = await verifyAttestations(store, subject, { keys, ...(identity ? { identity } : {}), ...(trustedRoot ? { trustedRoot } : {}), ...(predicateType ? { predicateType } : {}) });
      const ok = verdicts.filter((v) => v.verified);
      for (const v of verdicts) {
        const on = v.platform ? ` [${v.platform}]` : '';
        ctx.out.result(`${v.verified ? 'VERIFIED' : 'rejected'} ${v.convention}${on} ${v.manifest} ${v.predicateType ?? ''}${v.signer ? ` signed by ${v.signer}` : ''}${v.why ? `: ${v.why}` : ''}`);
      }
      if (ok.length === 0) ctx.out.info(`no attestation about ${subject.digest} verifies${predicateType ? ` (predicate ${predicateType})` : ''}`);
      ctx.out.json({ image: subject.digest, verified: ok, rejected: verdicts.filter((v) => !v.verified) });
      return ok.length > 0 ? 0 : 1;
    });
  },
};
