import { isAbsolute, resolve as resolvePath } from 'node:path';
import { CairnError } from '../errors.js';
import { parseDigest, type Digest } from '../digest/index.js';

// Spec: https://github.com/distribution/reference/blob/main/reference.go (grammar),
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests (tags)
// Names only, no I/O. A reference is either a repository in a registry
// (`host[:port]/repo[:tag][@sha256:...]`, Docker Hub short names as docker reads them) or an
// OCI image-layout directory (`oci:DIR[:tag|@digest]`).

export type Reference =
  | { readonly kind: 'registry'; readonly registry: string; readonly repository: string; readonly tag?: string; readonly digest?: Digest }
  | { readonly kind: 'layout'; readonly path: string; readonly tag?: string; readonly digest?: Digest };

const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
/** Docker Hub's name in references, and the host its API lives on. */
export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_API = 'registry-1.docker.io';

/** True when `tag` is a valid OCI tag. */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** Parses a reference; a malformed one is INVALID_ARGUMENT (exit 2) naming what is wrong. */
export function parseReference(text: string): Reference {
  const where = text.length > 200 ? `${text.slice(0, 200)}...` : text;
  if (text.startsWith('oci:')) return parseLayoutReference(text.slice(4), where);
  return parseRegistryReference(text, where);
}

function splitDigest(s: string, where: string): { rest: string; digest?: Digest } {
  const at = s.lastIndexOf('@');
  if (at < 0) return { rest: s };
  return { rest: s.slice(0, at), digest: parseDigest(s.slice(at + 1), where) };
}

function splitTag(s: string): { rest: string; tag?: string } {
  const colon = s.lastIndexOf(':');
  if (colon < 0 || s.indexOf('/', colon) >= 0) return { rest: s };
  return { rest: s.slice(0, colon), tag: s.slice(colon + 1) };
}

function parseLayoutReference(s: string, where: string): Reference {
  const { rest, digest } = splitDigest(s, where);
  let path = rest;
  let tag: string | undefined;
  if (!digest) {
    const split = splitTag(rest);
    if (split.tag !== undefined && TAG_RE.test(split.tag)) ({ rest: path, tag } = split);
  }
  if (!path) throw new CairnError('INVALID_ARGUMENT', 'oci: reference needs a directory (oci:DIR[:tag|@digest])', { where });
  return { kind: 'layout', path: isAbsolute(path) ? path : resolvePath(path), ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

function parseRegistryReference(s: string, where: string): Reference {
  if (!s) throw new CairnError('INVALID_ARGUMENT', 'empty reference', { where });
  const { rest: noDigest, digest } = splitDigest(s, where);
  const { rest: name, tag } = splitTag(noDigest);
  if (tag !== undefined && !TAG_RE.test(tag)) throw new CairnError('INVALID_ARGUMENT', `invalid tag ${JSON.stringify(tag.slice(0, 140))}`, { where });
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
  let registry = hasHost ? first : DOCKER_HUB;
  let repository = hasHost ? name.slice(slash + 1) : name;
  if (hasHost && !HOST_RE.test(registry)) throw new CairnError('INVALID_ARGUMENT', `invalid registry host ${JSON.stringify(registry)}`, { where });
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (!repository) throw new CairnError('INVALID_ARGUMENT', 'missing repository name', { where });
  for (const part of repository.split('/')) {
    if (!COMPONENT_RE.test(part)) {
      throw new CairnError('INVALID_ARGUMENT', `invalid repository name ${JSON.stringify(repository.slice(0, 140))} (lowercase letters, digits and separators)`, { where });
    }
  }
  if (registry.length + repository.length > 255) throw new CairnError('INVALID_ARGUMENT', 'repository name longer than 255 characters', { where });
  return { kind: 'registry', registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The text form of a reference (what the user would type). */
export function formatReference(ref: Reference): string {
  const base = ref.kind === 'layout' ? `oci:${ref.path}` : `${ref.registry}/${ref.repository}`;
  return `${base}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The same reference pointing at a digest instead of a tag. */
export function withDigest(ref: Reference, digest: Digest): Reference {
  return { ...ref, tag: undefined, digest } as Reference;
}

/** The host to talk HTTP to: Docker Hub's API host for docker.io. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** True for hosts that speak plain HTTP by default (loopback, like crane and oras). */
export function isLoopbackHost(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host);
}
