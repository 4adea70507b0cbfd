import type { Readable } from 'node:stream';
import { CairnError } from '../../errors.js';
import { readLimited } from '../../digest/index.js';
import { parseJson } from '../../encoding/index.js';
import { headerText, type RegistryClient, type RegistryResponse } from './client.js';
import { redactUrl } from './errors.js';

// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md (Link pagination)
// Paginated JSON lists (tags, referrers): follow `Link: <url>; rel="next"` with a cap on pages
// and on each page's size, and stop on a loop (a next link already visited).

/** The next-page URL of a Link header, resolved against the current URL. */
export function nextLink(link: string | string[] | undefined, current: string): string | undefined {
  for (const part of (Array.isArray(link) ? link.join(',') : link ?? '').split(',')) {
    const m = /<([^>]*)>\s*;(?:.*;)?\s*rel="?next"?/i.exec(part);
    if (m) return new URL(m[1] as string, current).toString();
  }
  return undefined;
}

/** Reads a JSON response body of at most `maxBytes`. */
export async function readJsonBody(body: Readable, maxBytes: number, where: string): Promise<unknown> {
  return parseJson(await readLimited(body, maxBytes, where), where);
}

export interface PageLimits {
  maxPages: number;
  maxBytesPerPage: number;
}

/** Walks the pages of a list; `onPage` gets each response's JSON and headers. */
export async function eachPage(
  client: RegistryClient,
  first: string,
  scopes: string[],
  limits: PageLimits,
  onPage: (json: unknown, res: RegistryResponse) => void,
): Promise<void> {
  const visited = new Set<string>();
  let url: string | undefined = first;
  while (url) {
    if (visited.has(url)) throw new CairnError('REGISTRY_ERROR', 'pagination loops back to a page already read', { where: redactUrl(url) });
    if (visited.size >= limits.maxPages) throw new CairnError('TOO_LARGE', `more than ${limits.maxPages} pages`, { where: redactUrl(first) });
    visited.add(url);
    const res = await client.send({ method: 'GET', path: url, headers: { accept: 'application/json, application/vnd.oci.image.index.v1+json' }, scopes, ok: [200] });
    onPage(await readJsonBody(res.body, limits.maxBytesPerPage, redactUrl(res.url)), res);
    url = nextLink(headerText(res.headers['link']), res.url);
  }
}
