import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAIRN_VERSION } from '../../../src/cli/version.js';
import { REPO_ROOT } from '../../helpers/paths.js';

// `cairn --version` and verification summaries print CAIRN_VERSION; a release bumps package.json.
describe('CAIRN_VERSION', () => {
  it('is the version package.json declares', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(CAIRN_VERSION, pkg.version);
  });
});
