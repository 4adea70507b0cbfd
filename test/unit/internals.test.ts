import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { constants, createGunzip, gzipSync } from 'node:zlib';
import yargs from 'yargs';
import { REPO_ROOT } from '../helpers/paths.js';

// Private internals of dependencies that Cairn relies on for speed, each kept only because
// docs/bench.md shows it pays (issue 14): the package is pinned to an exact version in
// package.json, and this test fails when an update moves or changes what is relied on, so that
// the update is a decision, not a surprise at run time.

const require = createRequire(join(REPO_ROOT, 'package.json'));
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

function exactPin(name: string): void {
  const range = pkg.dependencies[name];
  assert.match(range ?? '', /^\d+\.\d+\.\d+$/, `${name} is pinned to an exact version in package.json (it is ${range})`);
  assert.equal((require(`${name}/package.json`) as { version: string }).version, range, `the installed ${name} is the pinned one`);
}

describe('private internals relied on for speed', () => {
  // docs/bench.md change 4 (80-100 ms before the first request of every registry command) and
  // change 10 (node:http2 and tls only when h2 is negotiated): tools/undici-lite.cjs,
  // tools/undici-h2-lazy.cjs, mapped by tools/bundle.mjs.
  it('undici: Agent and the request API at their lib/ paths, and client.js loading client-h2.js by that name', async () => {
    exactPin('undici');
    const Agent = require('undici/lib/dispatcher/agent.js') as new () => { close(): Promise<void> };
    assert.equal(Agent, (require('undici') as { Agent: unknown }).Agent, 'lib/dispatcher/agent.js is the Agent undici exports');
    assert.equal(typeof require('undici/lib/api/api-request.js'), 'function');
    assert.equal(typeof require('undici/lib/dispatcher/client-h2.js'), 'function');
    // bundle.mjs maps this exact require (by importer and name) to the lazy wrapper
    assert.match(readFileSync(require.resolve('undici/lib/dispatcher/client.js'), 'utf8'), /require\('\.\/client-h2\.js'\)/);
    const lazy = require(join(REPO_ROOT, 'tools', 'undici-h2-lazy.cjs')) as (...a: unknown[]) => unknown;
    assert.equal(lazy.length, (require('undici/lib/dispatcher/client-h2.js') as (...a: unknown[]) => unknown).length, 'same arity as the real connectH2');
    // the lite module's request works as undici's own, on a real loopback server
    const server = createServer((req, res) => res.writeHead(201, { 'x-path': req.url ?? '' }).end(`${req.method} ok`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const lite = require(join(REPO_ROOT, 'tools', 'undici-lite.cjs')) as {
      Agent: new () => { close(): Promise<void> };
      request(url: string, o: object): Promise<{ statusCode: number; headers: Record<string, string>; body: { text(): Promise<string> } }>;
    };
    const agent = new lite.Agent();
    try {
      const r = await lite.request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/x?n=1`, { dispatcher: agent });
      assert.equal(r.statusCode, 201);
      assert.equal(r.headers['x-path'], '/v2/x?n=1');
      assert.equal(await r.body.text(), 'GET ok');
    } finally {
      await agent.close();
      server.close();
    }
  });

  // docs/bench.md change 7: gzip through node's zlib handle, driven synchronously as
  // lib/zlib.js processChunkSync does (0.29 against 0.56-0.8 CPU-s per GiB through the stream
  // API): src/image/inflate.ts. Node is not a package to pin; engines names the versions.
  it('node zlib: a gunzip stream has _handle.writeSync and _writeState, and they decode as inflate.ts drives them', () => {
    const data = Buffer.from('hello, layer\n'.repeat(1000));
    const stream = createGunzip() as unknown as { _handle?: { writeSync: (...a: unknown[]) => void; onerror: unknown }; _writeState?: Uint32Array; close(): void };
    assert.equal(typeof stream._handle?.writeSync, 'function');
    assert.ok(stream._writeState instanceof Uint32Array && stream._writeState.length === 2, '_writeState is [outLeft, inLeft]');
    const gz = gzipSync(data);
    const out = Buffer.alloc(data.length + 16);
    stream._handle!.onerror = (message: string) => assert.fail(message);
    stream._handle!.writeSync(constants.Z_FINISH, gz, 0, gz.length, out, 0, out.length);
    const [outLeft, inLeft] = stream._writeState!;
    assert.equal(inLeft, 0, 'all input taken');
    assert.ok(out.subarray(0, out.length - outLeft!).equals(data));
    stream.close();
  });

  // docs/bench.md change 2: yargs renders every command's whole help text in case the handler
  // fails (command.js calls usage.cacheHelpMessage); Cairn never shows help on a failure, so
  // src/cli/main.ts (skipHelpCache) replaces it: 35-40 ms of CPU on `cairn key show` (issue 14,
  // 30 runs alternated: 159 against 197 ms median CPU).
  it('yargs: running a command calls usage.cacheHelpMessage, reached through getInternalMethods', async () => {
    exactPin('yargs');
    let cached = 0;
    let ran = false;
    const parser = yargs(['go']).command('go', 'a command', () => undefined, () => {
      ran = true;
    });
    const usage = (parser as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage: () => void } } }).getInternalMethods().getUsageInstance();
    assert.equal(typeof usage.cacheHelpMessage, 'function');
    usage.cacheHelpMessage = () => void cached++;
    await parser.parseAsync();
    assert.ok(ran, 'the command ran');
    assert.ok(cached > 0, 'yargs still caches help through this method when a command runs');
  });
});
