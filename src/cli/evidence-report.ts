import type { EvidenceReport } from '../api/discover.js';

type EvidenceLayerReport = EvidenceReport['layers'][number];

// Text lines for the evidence `cairn discover` and `cairn verify-attestation` found: one line an
// item, one a layer, saying what it is, what it is about, who signed it and whether that verified.

function layerLine(l: EvidenceLayerReport): string {
  if (l.skipped !== undefined) return `${l.digest.slice(0, 19)}  skipped: ${l.skipped}`;
  if (l.error !== undefined) return `${l.digest.slice(0, 19)}  unreadable: ${l.error}`;
  const parts: string[] = [l.envelope];
  if (l.payloadType) parts.push(`payloadType ${l.payloadType}`);
  if (l.predicateType) parts.push(`predicate ${l.predicateType}`);
  if (l.aboutSubject !== undefined) parts.push(l.aboutSubject ? 'about this image' : 'NOT about this image');
  if (l.signer?.identity) parts.push(`signer ${l.signer.identity}${l.signer.issuer ? ` (${l.signer.issuer})` : ''}`);
  else if (l.signer?.keyids?.length) parts.push(`keyid ${l.signer.keyids.map((k) => k.slice(0, 8)).join(',')}`);
  const v = l.verified;
  parts.push(v.result === 'verified' ? `verified with ${v.with}` : v.result === 'unsigned' ? 'unsigned' : `${v.result === 'failed' ? 'NOT verified' : 'not checked'}: ${v.why}`);
  return `${l.digest.slice(0, 19)}  ${parts.join('; ')}`;
}

/** The evidence section of a report. */
export function evidenceLines(items: readonly EvidenceReport[]): string[] {
  const out: string[] = [];
  for (const it of items) {
    const on = it.platform ? ` [${it.platform}]` : '';
    out.push(`${it.convention}${on} ${it.manifest} (found by ${it.foundBy}${it.artifactType ? `, ${it.artifactType}` : ''})${it.error ? `: ${it.error}` : ''}`);
    it.layers.forEach((l, i) => out.push(`  ${i === it.layers.length - 1 ? '└──' : '├──'} ${layerLine(l)}`));
  }
  return out;
}
