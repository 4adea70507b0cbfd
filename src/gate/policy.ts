import type { PublicKey } from '../crypto/index.js';

// What a deploy gate decides with: a layout pinned by digest and who must have signed it,
// chosen by the operator (a config file), never by the request. The same shape serves the CLI.

/** Who must have signed the layout: these keys (all of them), or a trust root pinned by digest. */
export type LayoutSigners =
  | { readonly kind: 'keys'; readonly keys: readonly PublicKey[] }
  | { readonly kind: 'trust-root'; readonly root: string };

/** One named policy: the unit a gate URL path (`/verify/<name>`) selects. */
export interface GatePolicy {
  readonly name: string;
  /** `REG/REPO@sha256:...` or `oci:DIR@sha256:...` of a pushed layout; a tag is refused. */
  readonly layout: string;
  readonly signers: LayoutSigners;
  /** Refuse image references given by tag (default in the server: true). */
  readonly requireDigest: boolean;
  /** Verify only this platform of an index (`os/arch[/variant]`). */
  readonly platform?: string;
  /** Values for `{NAME}` in the layout's rules. */
  readonly parameters?: Readonly<Record<string, string>>;
}
