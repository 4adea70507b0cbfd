import { z } from 'zod';
import { lazy } from './lazy.js';

// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md, manifest.md,
// image-index.md. Manifests are parsed loosely (unknown fields kept) because their bytes, not
// this view, are what digests and signatures cover.

const digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a digest');

export const PlatformSchema = lazy(() => z.looseObject({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
}));
export type Platform = z.infer<typeof PlatformSchema>;

export const DescriptorSchema = lazy(() => z.looseObject({
  mediaType: z.string(),
  digest,
  size: z.number().int().min(0),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  data: z.string().optional(),
  artifactType: z.string().optional(),
  platform: PlatformSchema.optional(),
}));
/** An OCI content descriptor. */
export type Descriptor = z.infer<typeof DescriptorSchema>;

export const ManifestSchema = lazy(() => z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema).default([]),
  subject: DescriptorSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
}));
/** An OCI image manifest (also read for Docker v2 schema 2, which has the same shape). */
export type Manifest = z.infer<typeof ManifestSchema>;

export const IndexSchema = lazy(() => z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(DescriptorSchema),
  subject: DescriptorSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
}));
/** An OCI image index (also read for a Docker manifest list). */
export type Index = z.infer<typeof IndexSchema>;
