import { spawnSync } from 'node:child_process';
import { startRegistry, type TestRegistry } from '../../test/helpers/registry.js';
import { REPO_ROOT } from '../../test/helpers/paths.js';
import { cairnArgv } from './measure.js';
import type { BenchImage } from './image.js';

// The registry rows' server: the project's test harness starts Debian's docker-registry
// (distribution 2.8.2) on 127.0.0.1 with storage in a temp directory; the bench stops it by
// its pid when done. Images reach it through `cairn copy` from their cached OCI layouts.

export type { TestRegistry };

/** Starts a registry for the bench. */
export function benchRegistry(): Promise<TestRegistry> {
  return startRegistry();
}

/** `cairn copy oci:<layout>:latest <host>/bench/<repo>:latest`; returns the pushed reference by digest. */
export function pushImage(reg: TestRegistry, image: BenchImage, repo = image.name): string {
  const dest = `${reg.host}/bench/${repo}`;
  const r = spawnSync(cairnArgv()[0]!, [...cairnArgv().slice(1), 'copy', `oci:${image.layout}:latest`, `${dest}:latest`], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cairn copy to ${dest} failed: ${r.stderr}`);
  return `${dest}@${image.manifest.digest}`;
}

/** Runs cairn once with --debug and returns how many registry requests it made. */
export function countRequests(args: string[]): number {
  const r = spawnSync(cairnArgv()[0]!, [...cairnArgv().slice(1), ...args, '--debug'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`cairn ${args[0]} failed: ${r.stderr}`);
  return r.stderr.split('\n').filter((l) => /^debug: (GET|HEAD|PUT|POST|PATCH|DELETE) /.test(l)).length;
}
