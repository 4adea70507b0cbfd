// DSSE v1: PAE, signing, and verification that hands on only the verified bytes.
// Spec: https://github.com/secure-systems-lab/dsse
export { pae } from './pae.js';
export {
  INTOTO_PAYLOAD_TYPE,
  type VerifiedPayload,
  parseEnvelope,
  signEnvelope,
  addSignatures,
  envelopeSigners,
  verifyEnvelope,
} from './envelope.js';
export type { Envelope, EnvelopeSignature } from '../schema/index.js';
