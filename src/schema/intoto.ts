import { z } from 'zod';
import { lazy } from './lazy.js';

// in-toto documents. Legacy link/layout shapes follow the in-toto spec v0.9 (§4.2, §4.3) and
// in-toto-golang's model.go; Statement and ResourceDescriptor follow in-toto/attestation spec v1.
// Typed views drop unknown fields; signatures are always checked over the raw bytes or the raw
// parsed object, never over these views.

// zod's record copies into a plain object, where a key called `__proto__` silently vanishes;
// an artifact may be called that, and the rule engine must see it. These records copy into
// null-prototype objects instead.
function nullProtoRecord<V extends z.ZodType>(value: V) {
  return z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected an object').transform((obj, ctx) => {
    const out: Record<string, z.output<V>> = Object.create(null);
    for (const key of Object.keys(obj)) {
      const r = value.safeParse(obj[key]);
      if (r.success) out[key] = r.data;
      else for (const issue of r.error.issues) ctx.issues.push({ ...issue, path: [key, ...issue.path] } as never);
    }
    return out;
  });
}

/** `{"sha256": "<hex>", ...}`: the hashes of one artifact. */
export const DigestSetSchema = lazy(() => nullProtoRecord(z.string()));
/** `{"path": {"sha256": ...}}`: a legacy link's materials or products. */
export const ArtifactsSchema = lazy(() => nullProtoRecord(DigestSetSchema));

export const KeySchema = lazy(() => z.looseObject({
  keyid: z.string().optional(),
  keytype: z.string(),
  scheme: z.string(),
  keyid_hash_algorithms: z.array(z.string()).optional(),
  keyval: z.looseObject({
    public: z.string(),
    private: z.string().optional(),
    certificate: z.string().optional(),
  }),
}));
/** A securesystemslib key dictionary (public part, optionally private). */
export type KeyDict = z.infer<typeof KeySchema>;

const RuleSchema = lazy(() => z.array(z.string()));

export const LinkSchema = lazy(() => z.object({
  _type: z.literal('link'),
  name: z.string(),
  materials: ArtifactsSchema.default({}),
  products: ArtifactsSchema.default({}),
  byproducts: nullProtoRecord(z.unknown()).default({}),
  command: z.array(z.string()).default([]),
  environment: nullProtoRecord(z.unknown()).default({}),
}));
/** A legacy in-toto link (`_type: link`), the `signed` part of a Metablock or a raw DSSE payload. */
export type Link = z.infer<typeof LinkSchema>;

export const CertConstraintSchema = lazy(() => z.object({
  common_name: z.string().default(''),
  dns_names: z.array(z.string()).nullable().default([]),
  emails: z.array(z.string()).nullable().default([]),
  organizations: z.array(z.string()).nullable().default([]),
  roots: z.array(z.string()).nullable().default([]),
  uris: z.array(z.string()).nullable().default([]),
}));
export type CertConstraint = z.infer<typeof CertConstraintSchema>;

/**
 * Cairn extension: a keyless functionary, as cosign's --certificate-identity[-regexp] and
 * --certificate-oidc-issuer name it (in-toto-golang's certificate constraints, for Fulcio).
 */
export const CertificateIdentitySchema = lazy(() => z.strictObject({
  subject_alternative_name: z.string().min(1).optional(),
  subject_alternative_name_regexp: z.string().min(1).optional(),
  oidc_issuer: z.string().min(1),
}).refine((c) => (c.subject_alternative_name === undefined) !== (c.subject_alternative_name_regexp === undefined), 'give exactly one of subject_alternative_name and subject_alternative_name_regexp'));
export type CertificateIdentityConstraint = z.infer<typeof CertificateIdentitySchema>;

export const StepSchema = lazy(() => z.object({
  _type: z.literal('step'),
  name: z.string().min(1),
  threshold: z.number().int().min(1).default(1),
  pubkeys: z.array(z.string()).default([]),
  expected_command: z.array(z.string()).default([]),
  expected_materials: z.array(RuleSchema).default([]),
  expected_products: z.array(RuleSchema).default([]),
  cert_constraints: z.array(CertConstraintSchema).optional(),
  /** Cairn extension (ITE-10 style): the predicate type evidence for this step must have. */
  expected_predicate_type: z.string().optional(),
  /** ITE-11 attribute rules (CEL); their shape is read by src/attributes. */
  expected_attributes: z.array(z.unknown()).optional(),
  /** Cairn extension: keyless functionaries (Sigstore certificate identities); needs --trusted-root. */
  certificate_identities: z.array(CertificateIdentitySchema).optional(),
}));
export type Step = z.infer<typeof StepSchema>;

export const InspectionSchema = lazy(() => z.object({
  _type: z.literal('inspection'),
  name: z.string().min(1),
  run: z.array(z.string()).default([]),
  expected_materials: z.array(RuleSchema).default([]),
  expected_products: z.array(RuleSchema).default([]),
  /** ITE-11 attribute rules (CEL); their shape is read by src/attributes. */
  expected_attributes: z.array(z.unknown()).optional(),
}));
export type Inspection = z.infer<typeof InspectionSchema>;

export const LayoutSchema = lazy(() => z.object({
  _type: z.literal('layout'),
  expires: z.string(),
  readme: z.string().default(''),
  keys: z.record(z.string(), KeySchema).default({}),
  steps: z.array(StepSchema).default([]),
  inspect: z.array(InspectionSchema).default([]),
  rootcas: z.record(z.string(), KeySchema).optional(),
  intermediatecas: z.record(z.string(), KeySchema).optional(),
}));
/** A legacy in-toto layout (`_type: layout`). */
export type Layout = z.infer<typeof LayoutSchema>;

export const MetablockSchema = lazy(() => z.object({
  signed: z.looseObject({ _type: z.string() }),
  signatures: z.array(
    z.looseObject({
      keyid: z.string(),
      sig: z.string(),
      cert: z.string().optional(),
    }),
  ),
}));
/** The legacy signed wrapper: `{"signed": ..., "signatures": [{keyid, sig(hex)}]}`. */
export type Metablock = z.infer<typeof MetablockSchema>;

// Spec (resource_descriptor.md): "a ResourceDescriptor MUST specify one of uri, digest or
// content at a minimum"; `name` is optional (cosign v3 subjects carry only a digest).
export const ResourceDescriptorSchema = lazy(() => z.looseObject({
  name: z.string().optional(),
  uri: z.string().optional(),
  digest: DigestSetSchema.optional(),
  content: z.string().optional(),
  downloadLocation: z.string().optional(),
  mediaType: z.string().optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
}).refine((rd) => rd.uri !== undefined || rd.digest !== undefined || rd.content !== undefined, 'a resource descriptor needs one of uri, digest or content'));
/** Spec: https://github.com/in-toto/attestation/blob/main/spec/v1/resource_descriptor.md */
export type ResourceDescriptor = z.infer<typeof ResourceDescriptorSchema>;

export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';

export const StatementSchema = lazy(() => z.looseObject({
  _type: z.enum([STATEMENT_V1, STATEMENT_V01]),
  subject: z.array(ResourceDescriptorSchema),
  predicateType: z.string().min(1),
  predicate: nullProtoRecord(z.unknown()).optional(),
}));
/** Spec: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md */
export type Statement = z.infer<typeof StatementSchema>;

export const LinkPredicateSchema = lazy(() => z.looseObject({
  name: z.string(),
  command: z.array(z.string()).default([]),
  materials: z.array(ResourceDescriptorSchema).default([]),
  byproducts: nullProtoRecord(z.unknown()).default({}),
  environment: nullProtoRecord(z.unknown()).default({}),
}));
/** Spec: https://github.com/in-toto/attestation/blob/main/spec/predicates/link.md (v0.3) */
export type LinkPredicate = z.infer<typeof LinkPredicateSchema>;
