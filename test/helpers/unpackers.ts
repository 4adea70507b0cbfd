import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Real unpackers driven by tests: umoci (Debian, `umoci unpack --rootless`) and containerd
// (Debian, a private daemon on a socket in a temp directory, as root), each given an OCI image
// layout and read back as a tree view `path -> what is there`; and the kernel itself resolving
// symlinks inside a chroot (python3 as root), to check where Cairn says a symlink leads.

/** What a path of an unpacked tree is: `dir`, `file:<sha256>`, `symlink:<target>`, `fifo`, `other`. */
export type TreeView = Map<string, string>;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
export const isRoot = (): boolean => process.getuid?.() === 0;

/** The chain ID of the top layer (image-spec config.md#layer-chainid): the snapshot a runtime mounts. */
export function chainIdOf(layers: readonly Buffer[]): string {
  let chain = '';
  for (const l of layers) chain = chain === '' ? `sha256:${sha(l)}` : `sha256:${sha(Buffer.from(`${chain} sha256:${sha(l)}`))}`;
  return chain;
}

/** Writes an OCI image layout with one image of these uncompressed layers, tagged `tag`. */
export function writeOciLayout(dir: string, layers: readonly Buffer[], tag: string): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (bytes: Buffer, mediaType: string) => {
    const hex = sha(bytes);
    writeFileSync(join(dir, 'blobs', 'sha256', hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };
  const layerDescs = layers.map((l) => put(l, 'application/vnd.oci.image.layer.v1.tar'));
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layerDescs.map((d) => d.digest) }, config: {} })), 'application/vnd.oci.image.config.v1+json');
  const manifest = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: layerDescs })), 'application/vnd.oci.image.manifest.v1+json');
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
}

/** Every path below `root` (relative, `/`-separated) with what it is; files are hashed. */
export function readTree(root: string): TreeView {
  const out: TreeView = new Map();
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      const rel = prefix + name;
      // overlayfs lists a whiteout of a directory that is not merged (readdir passes through)
      // and hides it from lookups: a path no process can open is not there
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (st.isDirectory()) {
        out.set(rel, 'dir');
        walk(abs, `${rel}/`);
      } else if (st.isSymbolicLink()) out.set(rel, `symlink:${readlinkSync(abs)}`);
      else if (st.isFile()) out.set(rel, `file:${sha(readFileSync(abs))}`);
      else if (st.isFIFO()) out.set(rel, 'fifo');
      else out.set(rel, 'other');
    }
  };
  walk(root, '');
  return out;
}

/** umoci, when installed. */
export const umociAvailable = (): boolean => has('umoci');

/** `umoci unpack --rootless` of `layout:tag` into `bundle`: the rootfs path, or umoci's error. */
export function umociUnpack(layout: string, tag: string, bundle: string): { rootfs: string } | { error: string } {
  const r = spawnSync('umoci', ['unpack', '--rootless', '--image', `${layout}:${tag}`, bundle], { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-1)[0]! };
  return { rootfs: join(bundle, 'rootfs') };
}

/** A private containerd daemon (root only), with its state under one directory. */
export class Containerd {
  private constructor(
    private readonly dir: string,
    private readonly daemon: ChildProcess,
  ) {}

  /** Why containerd cannot be driven here, or undefined when it can. */
  static unavailable(): string | undefined {
    if (!isRoot()) return 'not running as root';
    if (!has('containerd') || !has('ctr')) return 'containerd and ctr are not installed (Debian package containerd)';
    return undefined;
  }

  /** Starts the daemon and waits until it answers. */
  static async start(dir: string): Promise<Containerd> {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.toml'), [
      'version = 2', `root = "${dir}/root"`, `state = "${dir}/state"`, 'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      // no garbage collection during the test: the snapshot views it mounts hold no lease
      '[plugins."io.containerd.gc.v1.scheduler"]', '  mutation_threshold = 100000000', '  deletion_threshold = 0', '  startup_delay = "10000h"',
      '[grpc]', `  address = "${dir}/c.sock"`, '[ttrpc]', `  address = "${dir}/t.sock"`, '',
    ].join('\n'));
    const daemon = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: 'ignore' });
    const c = new Containerd(dir, daemon);
    for (let i = 0; i < 200; i++) {
      if (existsSync(join(dir, 'c.sock')) && c.ctr(['version']).status === 0) return c;
      await new Promise((r) => setTimeout(r, 100));
    }
    c.stop();
    throw new Error('containerd did not start within 20 s');
  }

  private ctr(args: string[]) {
    return spawnSync('ctr', ['-a', join(this.dir, 'c.sock'), '-n', 'cairn', ...args], { encoding: 'utf8' });
  }

  /**
   * Imports and unpacks `archive` (a tar of an OCI layout tagged `tag`) with `snapshotter`, then
   * reads the image's root filesystem as a runtime mounts it (a read-only view of the snapshot
   * `chainId`, mounted as the snapshotter says: overlay or bind): the tree, or containerd's
   * error. (`ctr images mount` of containerd 1.6 ignores its --snapshotter flag, hence the view.)
   */
  unpack(archive: string, tag: string, chainId: string, snapshotter: 'overlayfs' | 'native', use: (rootfs: string) => void): { error: string } | undefined {
    const name = `cairn/${snapshotter}`;
    const imported = this.ctr(['images', 'import', '--base-name', name, '--snapshotter', snapshotter, archive]);
    if (imported.status !== 0) return { error: (imported.stderr || imported.stdout).trim().split('\n').slice(-1)[0]! };
    const mnt = join(this.dir, `mnt-${snapshotter}`);
    mkdirSync(mnt, { recursive: true });
    const view = `view-${tag}`; // no lease: garbage collection is off, and nothing is removed until stop()
    const snap = (args: string[]) => this.ctr(['snapshots', '--snapshotter', snapshotter, ...args]);
    // ctr 1.6 exits 0 when the unpack after an import fails: the image's top snapshot tells
    const unpacked = snap(['info', chainId]);
    if (unpacked.status !== 0) {
      return { error: `not unpacked: ${(imported.stderr || imported.stdout).trim().split('\n').filter((l) => /error|fail/i.test(l)).slice(-1)[0] ?? unpacked.stderr.trim()}` };
    }
    try {
      const made = snap(['view', view, chainId]);
      if (made.status !== 0) throw new Error(`ctr snapshots view: ${made.stderr}`);
      const how = snap(['mounts', mnt, view]);
      const mounted = spawnSync('sh', ['-c', how.stdout], { encoding: 'utf8' });
      if (how.status !== 0 || mounted.status !== 0) throw new Error(`mounting ${how.stdout}: ${how.stderr}${mounted.stderr}`);
      try {
        use(mnt);
      } finally {
        spawnSync('umount', [mnt]);
      }
    } finally {
      snap(['rm', view]);
    }
    return undefined;
  }

  /** Stops the daemon (the one this object started) and removes its state. */
  stop(): void {
    for (const s of ['overlayfs', 'native']) spawnSync('umount', [join(this.dir, `mnt-${s}`)], { stdio: 'ignore' });
    this.daemon.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const CHROOT_RESOLVER = `
import hashlib, json, os, stat, sys
req = json.load(sys.stdin)
for job in req:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        out = {}
        try:
            os.chroot(job["dir"]); os.chdir("/")
            for p in job["links"]:
                try:
                    st = os.stat("/" + p)
                    if stat.S_ISREG(st.st_mode):
                        with open("/" + p, "rb") as f:
                            out[p] = "file:" + hashlib.sha256(f.read()).hexdigest() + ":" + os.path.realpath("/" + p)[1:]
                    else:
                        out[p] = "other"
                except OSError:
                    out[p] = "none"
        finally:
            os.write(w, json.dumps(out).encode()); os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk: break
        data += chunk
    os.close(r); os.waitpid(pid, 0)
    print(data.decode())
`;

/**
 * Where the kernel takes each symlink when `dir` is the root (chroot, as in a container):
 * `file:<sha256>:<path>` for a regular file, `other` for anything else, `none` when the lookup
 * fails (dangling, ELOOP, ENOTDIR). One line of JSON per job; root only.
 */
export function resolveInChroot(jobs: { dir: string; links: string[] }[]): Map<string, string>[] {
  const r = spawnSync('python3', ['-c', CHROOT_RESOLVER], { input: JSON.stringify(jobs), encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`chroot resolver failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => new Map(Object.entries(JSON.parse(l) as Record<string, string>)));
}
