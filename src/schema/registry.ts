import { z } from 'zod';
import { lazy } from './lazy.js';

// Documents a registry client reads: error bodies, token responses, tag lists, Docker's
// config.json and credential-helper output, and an OCI layout's marker file.

/** Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes */
export const RegistryErrorBodySchema = lazy(() => z.looseObject({
  errors: z.array(z.looseObject({ code: z.string().optional(), message: z.string().optional() })).optional(),
}));
export type RegistryErrorBody = z.infer<typeof RegistryErrorBodySchema>;

/** Spec: https://distribution.github.io/distribution/spec/auth/token/ (token or access_token) */
export const TokenResponseSchema = lazy(() => z.looseObject({
  token: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().optional(),
}));
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

export const TagListSchema = lazy(() => z.looseObject({
  name: z.string().optional(),
  tags: z.array(z.string()).nullable().optional(),
}));
export type TagList = z.infer<typeof TagListSchema>;

const AuthEntrySchema = lazy(() => z.looseObject({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  identitytoken: z.string().optional(),
}));

/** The parts of ~/.docker/config.json that hold credentials. */
export const DockerConfigSchema = lazy(() => z.looseObject({
  auths: z.record(z.string(), AuthEntrySchema).optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
}));
export type DockerConfig = z.infer<typeof DockerConfigSchema>;

/** What `docker-credential-<helper> get` prints. */
export const CredentialHelperOutputSchema = lazy(() => z.looseObject({
  ServerURL: z.string().optional(),
  Username: z.string(),
  Secret: z.string(),
}));
