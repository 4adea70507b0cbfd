import type { Inspection } from '../intoto/index.js';

// The names Cairn reserves inside an in-toto layout: the inspection whose command is
// `cairn:image` (the image being verified, as artifacts; image.ts runs it) and the artifact
// names of the image's own digests. Verification (the image binding), layout authoring and the
// image inspection all speak this vocabulary, so it lives below all three.
//
// Reserved names start with `/`. File artifacts never do: the flattener makes every entry name
// relative to the image root (src/image/paths.ts drops a leading `/`, empty and `.` segments),
// so no file, whatever its name (`oci:x/app`, `/oci/manifest`, `//config/Cmd`), can be taken
// for metadata, and a rule written for metadata (`ALLOW /oci/*`) can never admit a file.

/** The `run` of the reserved inspection: `"run": ["cairn:image"]`. */
export const IMAGE_INSPECTION_COMMAND = 'cairn:image';
/** Reserved artifact names for the image's own digests (a file artifact never starts with `/`). */
export const IMAGE_MANIFEST_ARTIFACT = '/oci/manifest';
export const IMAGE_CONFIG_ARTIFACT = '/oci/config';
export const IMAGE_INDEX_ARTIFACT = '/oci/index';

/** True for a name Cairn reserves (metadata, not a file of the image). */
export function isReservedArtifactName(name: string): boolean {
  return name.startsWith('/');
}

/** True for the reserved image inspection. */
export function isImageInspection(inspection: Pick<Inspection, 'run'>): boolean {
  return inspection.run.length === 1 && inspection.run[0] === IMAGE_INSPECTION_COMMAND;
}
