import { CairnError } from '../../errors.js';
import { IndexSchema, parseWith, type Descriptor } from '../../schema/index.js';
import { MAX_MANIFEST_BYTES, MAX_REFERRERS, type ReferrerFilter } from '../store.js';
import { OCI_INDEX } from '../mediatypes.js';
import { discardBody, headerText, type RegistryClient } from './client.js';
import { eachPage } from './paging.js';

// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers
// The referrers API is detected by probing `referrers/sha256:000…0`: a registry that has it
// MUST answer 200 with an image index; anything else (404, a text/plain router page, an
// error) means no API. OCI-Subject on a push is not trusted on its own (ECR sent it without
// the API). Filtering by artifactType is done here when the registry did not report
// `OCI-Filters-Applied: artifactType`. A filter's `select` is applied page by page, before
// its limit is counted: only what it keeps is held in memory.

const ZERO_DIGEST = `sha256:${'0'.repeat(64)}`;
/** Cap on the pages of one referrers listing (100,000 referrers at 100 a page; the entries kept are capped by the filter). */
export const MAX_REFERRER_PAGES = 1000;

/** True when the repository's registry implements the referrers API. */
export async function probeReferrersApi(client: RegistryClient, repo: string): Promise<boolean> {
  const res = await client.send({ method: 'GET', path: `/v2/${repo}/referrers/${ZERO_DIGEST}`, headers: { accept: OCI_INDEX }, scopes: [`repository:${repo}:pull`], ok: [200, 400, 404, 405, 406, 501] });
  const type = headerText(res.headers['content-type'])?.split(';')[0]?.trim();
  discardBody(res.body);
  return res.status === 200 && type === OCI_INDEX;
}

/** Lists referrers through the API, following pagination. */
export async function fetchReferrers(client: RegistryClient, repo: string, subject: string, artifactType?: string, filter: ReferrerFilter = {}): Promise<Descriptor[]> {
  const q = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
  const max = filter.max ?? MAX_REFERRERS;
  const out: Descriptor[] = [];
  const where = `${client.host}/${repo} referrers of ${subject}`;
  await eachPage(client, `/v2/${repo}/referrers/${subject}${q}`, [`repository:${repo}:pull`], { maxPages: MAX_REFERRER_PAGES, maxBytesPerPage: MAX_MANIFEST_BYTES }, (json, res) => {
    const applied = headerText(res.headers['oci-filters-applied']) ?? '';
    let page = parseWith(IndexSchema, json, where).manifests;
    if (artifactType && !applied.split(',').map((s) => s.trim()).includes('artifactType')) page = page.filter((d) => d.artifactType === artifactType);
    if (filter.select) page = page.filter(filter.select);
    out.push(...page);
    if (out.length > max) throw new CairnError('TOO_LARGE', `more than ${max} ${filter.select ? 'candidate ' : ''}referrers`, { where });
  });
  return out;
}
