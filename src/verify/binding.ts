import { CairnError } from '../errors.js';
import type { Layout } from '../intoto/index.js';
import { expandDigests } from '../rules/index.js';
import { describeOrigin } from '../evidence/index.js';
import { isImageInspection } from './reserved.js';
import type { Check } from './report.js';
import type { StepEvidence } from './steps.js';

// Is the verdict about THIS image? A layout of legacy links only says "these steps were done":
// a legacy link names no image, and attaching it to an image needs only push access. So a
// verdict about an image is given only when the layout binds the image it is verifying:
//   1. it has the image inspection (`"run": ["cairn:image"]`), whose rules run over the image's
//      own files, digests and execution parameters; or
//   2. evidence that COUNTED for a step (signed by a functionary the layout authorises, for
//      that step) has the image's digest, or the digest of the index it was verified through,
//      as a product; a Statement's subjects are its products (ITE-10 mapping), so a counted
//      Statement about the image binds it too.
// Nothing else does: not the fact that a link hangs off the image (anyone may attach), not a
// Statement that was not counted. The digests are the platform manifest being verified and,
// when the user gave an index, that index: the index lists the platform by digest, so evidence
// about the pinned index speaks about each of its platforms. A platform verified on its own
// is not bound by evidence about some index that contains it.
// Rule documented in docs/policy.md ("Binding a layout to the image").

/** What the layout must bind: `sha256:...` digests of the image (and of its index). */
export interface ImageBindingOptions {
  readonly digests: readonly string[];
  /** Report an unbound layout as a warning instead of refusing it (local experiments only). */
  readonly allowUnbound?: boolean;
}

/** How the layout binds the image, or undefined when it does not. */
export function imageBinding(layout: Layout, accepted: ReadonlyMap<string, readonly StepEvidence[]>, digests: readonly string[]): string | undefined {
  const inspection = layout.inspect.find(isImageInspection);
  if (inspection) return `the layout inspects the image (inspection ${inspection.name})`;
  const wanted = new Map(digests.map((d) => [d.slice('sha256:'.length), d]));
  for (const step of layout.steps) {
    for (const e of accepted.get(step.name) ?? []) {
      for (const [name, d] of e.products) {
        const hex = expandDigests(d)['sha256'];
        const digest = hex === undefined ? undefined : wanted.get(hex);
        if (digest) return `${digest} is product ${JSON.stringify(name)} of step ${step.name} (${describeOrigin(e.origin)})`;
      }
    }
  }
  return undefined;
}

/** The image-binding check, or a thrown refusal (exit 2) for an unbound layout. */
export function imageBindingCheck(layout: Layout, accepted: ReadonlyMap<string, readonly StepEvidence[]>, o: ImageBindingOptions, origin: string): Check {
  const how = imageBinding(layout, accepted, o.digests);
  if (how) return { check: 'image-binding', verdict: 'pass', message: `bound to the image: ${how}` };
  const image = o.digests[0] ?? 'the image';
  if (o.allowUnbound) {
    return { check: 'image-binding', verdict: 'warn', message: `UNBOUND: nothing in the layout names ${image}; unbound layouts were allowed, so this verdict says nothing about the image` };
  }
  throw new CairnError(
    'INVALID_ARGUMENT',
    `does not bind the image ${image}: no cairn:image inspection, and no counted evidence has the image digest as a subject or product (a legacy link names no image, and anyone who can push may attach one). ` +
      'Add the image inspection (`cairn layout create` writes one), or a step whose evidence names the image (e.g. `cairn attest`)',
    { where: `layout ${origin}`, details: { reason: 'unbound' } },
  );
}
