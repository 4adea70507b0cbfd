import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { makeCA, makeCert } from '../../test/helpers/certs.js';
import { startServe, type ServeProcess } from '../../test/helpers/serve.js';
import { REPO_ROOT } from '../../test/helpers/paths.js';
import { evidenceData } from '../lib/evidence-data.js';
import { smallImage } from '../lib/image.js';
import { CACHE } from '../lib/inputs.js';
import { cairnArgv, type Measurement } from '../lib/measure.js';
import { benchRegistry, pushImage, type TestRegistry } from '../lib/registry.js';
import type { BenchGroup, BenchRow, CustomResult } from '../lib/row.js';

// The deploy gate (`cairn serve`) under load, on loopback: cached verdicts at 500 requests/s
// (p99) and at full speed next to a bare node https server answering a constant body (same
// certificate, same TLS 1.3, same load generator: autocannon); cold verification of the small
// image with 20 referrers (cache off); and 100 distinct cold images asked at once (every answer
// inside Gatekeeper's 3 s, peak RSS of the gate). Figures are only meaningful on a quiet machine.

const OUT = join(CACHE, 'out', 'gate');
let registry: TestRegistry | undefined;
const ca = () => readFileSync(join(OUT, 'ca.crt'));
const body = (keys: string[]) => JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys } });

function cairn(...args: string[]): string {
  const r = spawnSync(cairnArgv()[0]!, [...cairnArgv().slice(1), ...args], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`cairn ${args[0]} failed: ${r.stderr}`);
  return r.stdout.trim();
}

async function gate(name: string, config: Record<string, unknown>): Promise<ServeProcess> {
  const file = join(OUT, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const g = await startServe(['--config', file], process.env, cairnArgv()[1]);
  await g.waitFor((r) => r['msg'] === 'policy ready', 60_000);
  return g;
}

function peakRssMiB(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const handshaken = new WeakSet<object>();

/** One POST; resolves with the answer, the seconds it took, and when its TLS handshake was done (seconds; 0 on a reused connection). */
function post(port: number, keys: string[], agent: Agent, caPem: Buffer = ca()): Promise<{ seconds: number; handshake: number; json: { response: { items?: Array<{ value?: { verified?: boolean } }>; systemError?: string } } }> {
  const data = body(keys);
  const t0 = performance.now();
  let handshake = 0;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/verify/bench', method: 'POST', agent, ca: caPem, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ seconds: (performance.now() - t0) / 1000, handshake, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    // a kept-alive socket shook hands already: listen on new sockets only (else listeners pile up)
    req.on('socket', (s) => {
      if (handshaken.has(s)) return;
      handshaken.add(s);
      s.once('secureConnect', () => (handshake = (performance.now() - t0) / 1000));
    });
    req.on('error', reject);
    req.end(data);
  });
}

// autocannon paces a rate by sending each connection's quota for the second back to back and
// then pausing until the next one-second tick (lib/httpClient.js, `reqsMadeThisSecond`), and,
// unless told not to, "corrects" each paced latency for coordinated omission with an expected
// interval of `Math.ceil(1 / rate)` ms (lib/run.js), i.e. 1 ms for any rate: a 12 ms answer is
// recorded with 11 synthetic ones of 11, 10, ... 1 ms. With that, a bare https server answering
// a constant body showed p99 42 ms at 500/s (raw: 4 ms, 2026-12-03 16:12 UTC). There is no
// schedule to correct against (the quota is sent closed-loop), so paced runs record raw
// latencies; a stall still shows, in the requests that were in flight during it, and in the
// rate reached (checked against the target rate by the row).
function load(port: number, key: string, o: { seconds: number; rate?: number; connections: number }): Promise<autocannon.Result> {
  return autocannon({
    url: `https://127.0.0.1:${port}/verify/bench`, method: 'POST', body: body([key]), headers: { 'content-type': 'application/json' },
    connections: o.connections, duration: o.seconds, ...(o.rate ? { overallRate: o.rate, ignoreCoordinatedOmission: true } : {}),
  });
}

// A bare node https server on the same certificate, answering a constant body of the gate's size.
async function bareServer(size: number): Promise<{ port: number; child: ChildProcess }> {
  const script = `process.on('SIGTERM',()=>process.exit(0));const https=require('node:https'),fs=require('node:fs');const b=Buffer.alloc(${size},120);`
    + `https.createServer({cert:fs.readFileSync(${JSON.stringify(join(OUT, 'server.crt'))}),key:fs.readFileSync(${JSON.stringify(join(OUT, 'server.key'))}),minVersion:'TLSv1.3'},(q,r)=>{q.resume();q.on('end',()=>{r.writeHead(200,{'content-type':'application/json','content-length':b.length});r.end(b)})})`
    + `.listen(0,'127.0.0.1',function(){console.log(this.address().port)})`;
  const profile = process.env['CAIRN_SERVE_PROFILE'];
  const child = spawn(process.execPath, [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))));
  return { port, child };
}

// CPU seconds (user + system) a process has used so far: /proc/PID/stat fields 14 and 15, in
// clock ticks (getconf CLK_TCK: 100 on Linux). Per answer, it compares builds in a loaded sitting
// where throughput alone swings with the other processes.
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

const m = (label: string, seconds: number, rss = 0): Measurement => ({ label, runs: [seconds], median: seconds, cpu: 0, maxRssMiB: rss });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

export const gateGroup: BenchGroup = {
  name: 'gate',
  async setup(quick) {
    mkdirSync(OUT, { recursive: true });
    registry = await benchRegistry();
    const reg = registry;
    const small = await smallImage();
    const evidence = await evidenceData(small);
    process.stderr.write('bench: gate: pushing the image, its 20 referrers, the layout and 100 variants ...\n');
    const image = pushImage(reg, small);
    cairn('attach', image, ...evidence.links, '--no-index-check');
    const layout = `${reg.host}/bench/policy@${cairn('layout', 'push', evidence.layout, `${reg.host}/bench/policy:1`)}`;
    // 100 distinct images: the small image's manifest with an annotation each (same layers);
    // with their 20 referrers each, except in QUICK mode (they then fail fast, unsigned)
    const manifest = JSON.parse(readFileSync(join(small.layout, 'blobs', 'sha256', small.manifest.digest.slice(7)), 'utf8'));
    const variants: string[] = [];
    const { openStore, parseReference, encodeJson, closeStore } = await import('../../src/oci/index.js');
    const repo = image.slice(0, image.indexOf('@'));
    const store = await openStore(parseReference(repo));
    for (let i = 0; i < 100; i++) {
      const v = encodeJson(small.manifest.mediaType, { ...manifest, annotations: { ...(manifest.annotations ?? {}), 'dev.cairn.bench.variant': String(i) } });
      await store.push(v.desc, v.bytes);
      variants.push(`${repo}@${v.desc.digest}`);
      if (!quick) cairn('attach', variants[i]!, ...evidence.links, '--no-index-check');
    }
    await closeStore(store);
    const caFiles = makeCA(OUT, 'ca');
    makeCert(OUT, caFiles, 'server', 'server');
    const config = (cache: number) => ({
      listen: '127.0.0.1:0', tls: { cert: 'server.crt', key: 'server.key' }, deadlineMs: 2500,
      cache: { maxEntries: cache }, registries: { [reg.host]: {} },
      policies: { bench: { layout, layoutKeys: [evidence.ownerPub] } },
    });

    const cached = async (): Promise<CustomResult> => {
      const g = await gate('cached', config(10_000));
      const bare = await bareServer(500);
      try {
        const agent = new Agent({ keepAlive: true });
        const first = await post(g.port, [image], agent);
        if (first.json.response.items?.[0]?.value?.verified !== true) throw new Error(`the bench image does not verify: ${JSON.stringify(first.json)}`);
        agent.destroy();
        const steady = await load(g.port, image, { seconds: quick ? 5 : 60, rate: 500, connections: 10 });
        // the same paced load on the bare server: the p99 this load generator measures for a
        // constant answer on this machine, the floor under the gate's own
        const bareSteady = await load(bare.port, image, { seconds: quick ? 5 : 20, rate: 500, connections: 10 });
        const gateCpu0 = cpuSeconds(g.child.pid);
        const full = await load(g.port, image, { seconds: quick ? 3 : 10, connections: 10 });
        const gateCpu = (cpuSeconds(g.child.pid) - gateCpu0) / full.requests.total;
        const bareCpu0 = cpuSeconds(bare.child.pid);
        const ref = await load(bare.port, image, { seconds: quick ? 3 : 10, connections: 10 });
        const bareCpu = (cpuSeconds(bare.child.pid) - bareCpu0) / ref.requests.total;
        const p99 = steady.latency.p99 / 1000;
        const share = full.requests.average / ref.requests.average;
        const errors = steady.errors + steady.non2xx + full.errors + full.non2xx;
        const paced = steady.requests.average >= 0.95 * 500; // the rate was reached: nothing stalled for long
        return {
          cairn: m('cairn serve (cache hit), p99 at 500/s', p99, peakRssMiB(g.child.pid)),
          references: [m('bare node https, 1/throughput', 1 / ref.requests.average)],
          ratio: ref.requests.average / full.requests.average,
          met: p99 <= 0.005 && share >= 0.5 && errors === 0 && paced,
          text: `p99 ${steady.latency.p99} ms (max ${steady.latency.max} ms) at ${steady.requests.average.toFixed(0)}/s (bare https: p99 ${bareSteady.latency.p99} ms, max ${bareSteady.latency.max} ms, at ${bareSteady.requests.average.toFixed(0)}/s); full speed ${full.requests.average.toFixed(0)}/s = ${(share * 100).toFixed(0)} % of bare https ${ref.requests.average.toFixed(0)}/s; CPU per answer ${(gateCpu * 1e6).toFixed(0)} µs (bare https ${(bareCpu * 1e6).toFixed(0)} µs); ${errors} errors`,
        };
      } finally {
        bare.child.kill();
        await g.stop();
      }
    };

    const cold = async (): Promise<CustomResult> => {
      const g = await gate('cold', config(0));
      try {
        const agent = new Agent({ keepAlive: true });
        await post(g.port, [image], agent);
        const times: number[] = [];
        for (let i = 0; i < (quick ? 5 : 20); i++) {
          const r = await post(g.port, [image], agent);
          if (r.json.response.items?.[0]?.value?.verified !== true) throw new Error(`cold verification did not pass: ${JSON.stringify(r.json)}`);
          times.push(r.seconds);
        }
        agent.destroy();
        const p50 = pct(times, 0.5);
        return { cairn: m('cairn serve (cache off)', p50, peakRssMiB(g.child.pid)), references: [], met: p50 <= 0.4, text: `p50 ${(p50 * 1000).toFixed(0)} ms, p90 ${(pct(times, 0.9) * 1000).toFixed(0)} ms over ${times.length} verifications` };
      } finally {
        await g.stop();
      }
    };

    const burst = async (): Promise<CustomResult> => {
      const g = await gate('burst', config(10_000));
      try {
        const agent = new Agent({ keepAlive: true, maxSockets: 100 });
        const caPem = ca();
        const answers = await Promise.all(variants.map((k) => post(g.port, [k], agent, caPem)));
        agent.destroy();
        const worst = Math.max(...answers.map((a) => a.seconds));
        // the last TLS handshake done: how late the last request could even be sent
        const handshakes = Math.max(...answers.map((a) => a.handshake));
        const times = answers.map((a) => a.seconds);
        // the gate's own view: from a connection's accept to its deadline answer (ms in its log)
        const gateMs = g.logs.filter((r) => r['verdict'] === 'pending' && typeof r['ms'] === 'number').map((r) => r['ms'] as number);
        const decided = answers.filter((a) => a.json.response.items?.length).length;
        const deadline = answers.filter((a) => /CAIRN_DEADLINE/.test(a.json.response.systemError ?? '')).length;
        const rss = peakRssMiB(g.child.pid);
        const passed = answers.some((a) => a.json.response.items?.[0]?.value?.verified === true && quick);
        return {
          cairn: m('cairn serve, slowest of 100 answers', worst, rss), references: [],
          met: worst < 3 && rss <= 300 && decided + deadline === answers.length && !passed,
          text: `${decided} decided, ${deadline} CAIRN_DEADLINE (finished in the background), slowest answer ${(worst * 1000).toFixed(0)} ms (p50 ${(pct(times, 0.5) * 1000).toFixed(0)} ms, last handshake done at ${(handshakes * 1000).toFixed(0)} ms; the gate's deadline answers ${gateMs.length ? `${Math.min(...gateMs)}-${Math.max(...gateMs)} ms after accept` : 'none'}), peak RSS ${rss.toFixed(0)} MiB`,
        };
      } finally {
        await g.stop();
      }
    };

    const none = { label: 'cairn serve', cwd: CACHE, argv: [] };
    const rows: BenchRow[] = [
      { id: 'gate-cached', work: 'cairn serve: cached verdicts, 500 requests/s (p99) and full speed against bare node https', cairn: none, references: [], target: { seconds: 0.005, ratio: 2 }, custom: cached, note: 'ratio: bare https throughput / gate throughput (<= 2x means >= 50 %)' },
      { id: 'gate-cold', work: 'cairn serve: cold verification, 20 referrers + the image files (p50)', cairn: none, references: [], target: { seconds: 0.4 }, custom: cold },
      { id: 'gate-burst', work: 'cairn serve: 100 distinct cold images at once (each answer < 3 s, RSS)', cairn: none, references: [], target: { seconds: 3, rssMiB: 300 }, custom: burst, ...(quick ? { note: 'QUICK: the 100 images carry no referrers (they fail fast)' } : {}) },
    ];
    return rows;
  },
  async teardown() {
    await registry?.stop();
    registry = undefined;
  },
};
