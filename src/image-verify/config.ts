import { CairnError } from '../errors.js';
import { sha256Hex } from '../digest/index.js';
import { canonicalJson } from '../encoding/index.js';
import type { ArtifactMap } from '../intoto/index.js';

// The image config's execution parameters as artifacts: what decides what a container runs
// (Entrypoint, Cmd, Env, User, WorkingDir, and the rest of the config's `config` object) is
// one artifact per field, `/config/<Field>`, whose sha256 is that of the field's value in
// canonical JSON (in-toto's: sorted keys, no whitespace). A step that writes the same JSON
// to a file produces the same hash, so a rule can bind each field to what a step produced.
//
// Runtimes read the config with Go's encoding/json (containerd: ocispec.Image; Docker:
// image.Image), which matches object keys to fields case-insensitively (bytes.EqualFold) and
// lets the last of several matching keys win. So `{"config": {"Entrypoint": [...]},
// "Config": {"Entrypoint": ["/evil"]}}` runs /evil. Cairn names each known field by its
// canonical spelling whatever case the key has, and refuses a config in which two keys fold to
// the same field: the rules must see exactly the value a runtime uses.
// Spec: https://github.com/opencontainers/image-spec/blob/main/config.md (config's fields);
// https://pkg.go.dev/encoding/json#Unmarshal ("preferring an exact match but also accepting a
// case-insensitive match").

/** The artifact-name prefix of the execution parameters: `/config/Entrypoint`, ... */
export const IMAGE_CONFIG_FIELD_PREFIX = '/config/';

// The fields of `config` a runtime reads: OCI image-spec ImageConfig, plus Docker's
// container.Config fields that Docker's image config also carries.
const KNOWN_FIELDS = [
  'User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped',
  'Healthcheck', 'OnBuild', 'Shell', 'StopTimeout', 'Hostname', 'Domainname', 'AttachStdin', 'AttachStdout',
  'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'Image', 'NetworkDisabled', 'MacAddress',
];

// Go's EqualFold, as far as it can make a key equal to an ASCII field name: ASCII letters fold
// to one case, and the only non-ASCII runes in the fold orbit of an ASCII letter are KELVIN
// SIGN (k) and LATIN SMALL LETTER LONG S (s). Any other non-ASCII rune matches no ASCII name.
function foldKey(key: string): string {
  return key.replace(/\u212A/g, 'K').replace(/\u017F/g, 'S').replace(/[a-z]/g, (c) => c.toUpperCase());
}

const FOLDED = new Map(KNOWN_FIELDS.map((f) => [foldKey(f), f]));

/** The value of the one key of `obj` that Go would read into `field`, refusing two candidates. */
function goField(obj: Record<string, unknown>, field: string, where: string): { key: string; value: unknown } | undefined {
  const folded = foldKey(field);
  const keys = Object.keys(obj).filter((k) => foldKey(k) === folded);
  if (keys.length > 1) {
    throw new CairnError('SCHEMA_INVALID', `has both ${keys.map((k) => JSON.stringify(k)).join(' and ')}: a runtime reads the last one, so the config is refused`, { where });
  }
  return keys.length === 1 ? { key: keys[0]!, value: obj[keys[0]!] } : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const JSON_SPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * The first key that appears twice in one object of a (valid) JSON text, or undefined.
 * JSON.parse keeps the last value silently; Go's decoder decodes both into the same struct,
 * so `{"config": {"Entrypoint": ["/evil"]}, "config": {"Cmd": []}}` runs /evil while the
 * parsed object shows only Cmd. Such a config is refused rather than guessed at.
 */
export function duplicateJsonKey(text: string): string | undefined {
  const stack: (Set<string> | undefined)[] = []; // undefined for an array
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '{' || c === '[') {
      stack.push(c === '{' ? new Set() : undefined);
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const token = text.slice(i, j + 1);
      let k = j + 1;
      while (JSON_SPACE.has(text[k] ?? '')) k++;
      const keys = stack[stack.length - 1];
      if (text[k] === ':' && keys) {
        const key = JSON.parse(token) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = j + 1;
    } else {
      i++;
    }
  }
  return undefined;
}

/**
 * `/config/<Field>` artifacts for an image config (the parsed config blob; with `text`, the
 * blob as read, which is also checked for duplicate keys).
 */
export function imageConfigArtifacts(imageConfig: unknown, where = 'image config', text?: string): ArtifactMap {
  const out: ArtifactMap = Object.create(null);
  if (!isObject(imageConfig)) throw new CairnError('SCHEMA_INVALID', 'is not a JSON object', { where });
  const twice = text === undefined ? undefined : duplicateJsonKey(text);
  if (twice !== undefined) {
    throw new CairnError('SCHEMA_INVALID', `has the key ${JSON.stringify(twice)} twice in one object: a runtime's Go decoder reads both, so the config is refused`, { where });
  }
  const found = goField(imageConfig, 'config', where);
  if (!found || found.value === null) return out;
  const at = `${where}: ${found.key}`;
  if (!isObject(found.value)) throw new CairnError('SCHEMA_INVALID', 'is not an object', { where: at });
  const exec = found.value;
  for (const key of Object.keys(exec)) {
    const known = FOLDED.get(foldKey(key));
    if (known) goField(exec, known, at); // refuses two keys for one field
    const name = `${IMAGE_CONFIG_FIELD_PREFIX}${known ?? key}`;
    let text: string;
    try {
      text = canonicalJson(exec[key]);
    } catch (err) {
      throw new CairnError('SCHEMA_INVALID', `field ${JSON.stringify(key)} cannot be hashed: ${(err as Error).message}`, { where: at });
    }
    out[name] = { sha256: sha256Hex(text) };
  }
  return out;
}
