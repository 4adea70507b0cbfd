import { CairnError } from '../../errors.js';
import { parseJson } from '../../encoding/index.js';
import { headerText, type RegistryClient, type RegistryResponse } from './client.js';
import { redactUrl } from './errors.js';

// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md (Link pagination)
// Paginated JSON lists (tags, referrers): follow `Link: <url>; rel="next"` with a cap on pages
// and on each page's size, and stop on a loop (a next link already visited).

/** The next-page URL of a Link header, resolved against the current URL (RFC 8288; read in linear time). */
export function nextLink(link: string | string[] | undefined, current: string): string | undefined {
  const text = Array.isArray(link) ? link.join(',') : link ?? '';
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('<', at);
    if (open < 0) return undefined;
    const close = text.indexOf('>', open + 1);
    if (close < 0) return undefined;
    const nextOpen = text.indexOf('<', close + 1);
    const params = text.slice(close + 1, nextOpen < 0 ? text.length : nextOpen);
    if (params.split(';').some((p) => /^\s*rel\s*=\s*"?next"?\s*,?\s*$/i.test(p))) {
      try {
        return new URL(text.slice(open + 1, close), current).toString();
      } catch {
        throw new CairnError('REGISTRY_ERROR', 'Link header with an invalid next URL', { where: redactUrl(current) });
      }
    }
    at = close + 1;
  }
  return undefined;
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
    const { res, bytes } = await client.sendAndRead({ method: 'GET', path: url, headers: { accept: 'application/json, application/vnd.oci.image.index.v1+json' }, scopes, ok: [200] }, limits.maxBytesPerPage, redactUrl(url));
    onPage(parseJson(bytes, redactUrl(res.url)), res);
    url = nextLink(headerText(res.headers['link']), res.url);
  }
}
