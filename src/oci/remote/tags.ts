import { TagListSchema, parseWith } from '../../schema/index.js';
import type { RegistryClient } from './client.js';
import { eachPage } from './paging.js';
import { RegistryError } from './errors.js';

// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags
// distribution 2.8.2 answers `"tags": null` once the last tag is gone, ignores `n`, and answers
// 404 NAME_UNKNOWN for a repository that holds content but has never had a tag.

/** Every tag of a repository (at most 100 pages). */
export async function listTags(client: RegistryClient, repo: string): Promise<string[]> {
  const tags: string[] = [];
  const where = `${client.host}/${repo} tags`;
  try {
    await eachPage(client, `/v2/${repo}/tags/list?n=1000`, [`repository:${repo}:pull`], { maxPages: 100, maxBytesPerPage: 16 * 1024 * 1024 }, (json) => {
      tags.push(...(parseWith(TagListSchema, json, where).tags ?? []));
    });
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404 && err.registryCodes.includes('NAME_UNKNOWN')) return [];
    throw err;
  }
  return tags;
}
