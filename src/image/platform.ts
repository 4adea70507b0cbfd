import { CairnError } from '../errors.js';
import type { Descriptor, Index } from '../schema/index.js';

// Choosing one image of a multi-platform index by `os/arch[/variant]` (the form of docker's
// and crane's --platform). os and architecture must match; a variant, when given, must match
// too, with arm64's default variant v8 equal to no variant (containerd's platform matcher
// normalises it the same way). Without a variant the first matching entry, in index order,
// is chosen. Entries without a platform (e.g. attestation manifests) never match.
// Spec: https://github.com/opencontainers/image-spec/blob/main/image-index.md#image-index-property-descriptions

/** A platform as written on the command line. */
export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

/** Parses `os/arch[/variant]`. */
export function parsePlatform(text: string): PlatformSpec {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new CairnError('INVALID_ARGUMENT', `platform ${JSON.stringify(text)} is not os/arch[/variant]`);
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

const variantOf = (arch: string, variant: string | undefined): string | undefined =>
  arch === 'arm64' && variant === 'v8' ? undefined : variant;

/** The descriptor in `index` for `platform` (`os/arch[/variant]`), or NOT_FOUND naming what there is. */
export function selectPlatform(index: Index, platform: string): Descriptor {
  const want = parsePlatform(platform);
  const wantVariant = variantOf(want.architecture, want.variant);
  const found = index.manifests.find((d) => {
    const p = d.platform;
    if (!p || p.os !== want.os || p.architecture !== want.architecture) return false;
    return want.variant === undefined || variantOf(p.architecture, p.variant) === wantVariant;
  });
  if (found) return found;
  const have = index.manifests
    .filter((d) => d.platform)
    .map((d) => [d.platform!.os, d.platform!.architecture, d.platform!.variant].filter(Boolean).join('/'));
  const list = have.length ? have.slice(0, 12).join(', ') + (have.length > 12 ? ', ...' : '') : 'none';
  throw new CairnError('NOT_FOUND', `no image for platform ${platform} in the index (platforms: ${list})`);
}
