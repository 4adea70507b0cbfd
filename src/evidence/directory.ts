import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fsError } from '../errors.js';
import type { Step } from '../intoto/index.js';
import type { AuthorisedKey, EvidenceItem, EvidenceSource } from './source.js';

// Evidence from a link directory, as in-toto-verify's --link-dir: a step's links are the files
// `<step>.<keyid[:8]>.link` (Metablocks, or DSSE envelopes as in-toto-golang writes them) and
// `<step>.<keyid[:8]>.intoto.jsonl` (bundles of DSSE envelopes, as `cairn run --format dsse`
// writes them), for every keyid form of every authorised key (in-toto 1.x and >= 2 name the
// same key differently). The prefix is lower-case hex as in-toto writes it, and the file counts
// only for the functionary it names (namedFor). For a step with certificate constraints any
// keyid prefix is read, as in-toto-golang does. A sublayout's links are in the subdirectory
// `<step>.<keyid[:8]>`.
// Files are handed on unread (openEvidence reads them, on a worker thread for big links).
// Source: in-toto 1.3.1 verifylib.load_links_for_layout; in-toto-golang LoadLinksForLayout.

const NAME_RE = /^(.+)\.([0-9a-f]{8})\.(link|intoto\.jsonl)$/;

/** An EvidenceSource over one directory of link files. */
export class DirectoryEvidenceSource implements EvidenceSource {
  private listing: string[] | undefined;

  /** `empty`: a source that has nothing (for names that cannot be a directory here). */
  constructor(readonly dir: string, private readonly empty = false) {}

  get description(): string {
    return this.dir;
  }

  private names(): string[] {
    if (this.listing) return this.listing;
    if (this.empty) return (this.listing = []);
    try {
      this.listing = readdirSync(this.dir).sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fsError(err, this.dir, 'cannot list the link directory');
      this.listing = [];
    }
    return this.listing;
  }

  async candidatesFor(step: Step, authorised: readonly AuthorisedKey[]): Promise<EvidenceItem[]> {
    const prefixes = new Set<string>();
    for (const a of authorised) for (const id of [a.keyId, ...a.key.keyIds]) prefixes.add(id.slice(0, 8));
    const anyKey = (step.cert_constraints ?? []).length > 0;
    const items: EvidenceItem[] = [];
    for (const name of this.names()) {
      const m = NAME_RE.exec(name);
      if (!m || m[1] !== step.name || (!anyKey && !prefixes.has(m[2]!))) continue;
      const path = join(this.dir, name);
      // read later by openEvidence, maybe on a worker thread, which also reports what stat finds wrong
      let size = 0;
      try {
        size = statSync(path).size;
      } catch {
        // size 0: read on this thread
      }
      items.push({ origin: { store: 'directory', path }, namedFor: m[2]!, unopened: { path, bundle: m[3] !== 'link', size } });
    }
    return items;
  }

  forSublayout(step: Step, functionary: AuthorisedKey): EvidenceSource {
    // A step name is part of a directory name here: one that would leave the link directory
    // has no sublayout links (in-toto would follow it out).
    if (/[/\\]/.test(step.name)) return new DirectoryEvidenceSource(join(this.dir, step.name.replace(/[/\\]/g, '_')), true);
    const dirs = [functionary.keyId, ...functionary.key.keyIds].map((id) => join(this.dir, `${step.name}.${id.slice(0, 8)}`));
    return new DirectoryEvidenceSource(dirs.find((d) => existsSync(d)) ?? dirs[0]!);
  }
}
