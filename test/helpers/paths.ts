import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

// Tests run compiled from dist/test/...; these paths point back into the source checkout.

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** testdata/ in the repository. */
export const TESTDATA = join(REPO_ROOT, 'testdata');
/** The upstream interop data (copied from ../shared so the repository stands alone). */
export const UPSTREAM = join(TESTDATA, 'upstream');
/** The CLI entry point. */
export const CAIRN_BIN = join(REPO_ROOT, 'bin', 'cairn.js');
