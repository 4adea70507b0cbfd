import { z } from 'zod';
import { lazy } from './lazy.js';

// Spec: https://github.com/opencontainers/image-spec/blob/main/config.md#properties
// Only what flattening an image needs: the platform and rootfs.diff_ids (the sha256 of each
// uncompressed layer, in layer order). Docker's application/vnd.docker.container.image.v1+json
// has the same fields. Unknown fields are kept; the config's bytes are what its digest covers.

const sha256Digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'not a sha256 digest');

export const ImageConfigSchema = lazy(() => z.looseObject({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  rootfs: z.looseObject({
    type: z.literal('layers'),
    diff_ids: z.array(sha256Digest),
  }),
}));
/** An OCI (or Docker) image configuration, as far as Cairn reads it. */
export type ImageConfig = z.infer<typeof ImageConfigSchema>;
