import { z } from 'zod';
import { lazy } from './lazy.js';

// Spec: https://github.com/secure-systems-lab/dsse/blob/master/envelope.md
// Unknown fields on signatures are kept (go-witness puts certificates there).

export const SignatureSchema = lazy(() => z.looseObject({
  keyid: z.string().optional(),
  sig: z.string(),
}));

export const EnvelopeSchema = lazy(() => z.looseObject({
  payload: z.string(),
  payloadType: z.string(),
  signatures: z.array(SignatureSchema),
}));

/** A DSSE envelope as it travels: payload and signatures base64-encoded. */
export type Envelope = z.infer<typeof EnvelopeSchema>;
export type EnvelopeSignature = z.infer<typeof SignatureSchema>;
