import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CairnError, fsError } from '../errors.js';
import type { ArtifactMap, Inspection } from '../intoto/index.js';

// Inspections run at verification time, as in-toto-verify runs them: everything under the
// working directory is recorded as materials (in-toto's default excludes, symlinked
// directories followed, as in_toto_run does), the command runs there, everything is recorded
// again as products. By default Cairn runs them in a scratch copy of the working directory so
// that an inspection (`tar xzf`, say) cannot change the user's files; all inspections, those
// of sublayouts included, share that one copy, as they share in-toto's working directory.
// Source: in-toto 1.3.1 verifylib.run_all_inspections, runlib.in_toto_run.

/** What running one inspection recorded. */
export interface InspectionRecord {
  readonly materials: ArtifactMap;
  readonly products: ArtifactMap;
  readonly returnValue: number;
  readonly stderr: string;
}

/** Runs inspections; the engine calls it once per inspection, in layout order. */
export interface InspectionRunner {
  run(inspection: Inspection): Promise<InspectionRecord>;
}

/** Where and how inspections run on this machine. */
export interface LocalInspectionOptions {
  /** The directory with the final product (in-toto-verify's working directory). */
  workDir: string;
  /** Run in place instead of in a scratch copy (what in-toto-verify does). */
  inPlace?: boolean;
  /** Kill an inspection after this long (in-toto 1.3.1 uses 10 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs inspections on this machine; dispose() removes the scratch copy. */
export class LocalInspectionRunner implements InspectionRunner {
  private dir: string | undefined;
  private scratch: string | undefined;

  constructor(private readonly options: LocalInspectionOptions) {}

  /** The directory inspections run in (created on first use). */
  directory(): string {
    if (this.dir) return this.dir;
    const src = resolve(this.options.workDir);
    if (this.options.inPlace) {
      this.dir = src;
      return src;
    }
    const scratch = mkdtempSync(join(tmpdir(), 'cairn-inspect-'));
    this.scratch = scratch;
    try {
      cpSync(src, join(scratch, 'work'), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    } catch (err) {
      throw fsError(err, src, 'cannot copy the working directory for inspections');
    }
    this.dir = join(scratch, 'work');
    return this.dir;
  }

  async run(inspection: Inspection): Promise<InspectionRecord> {
    if (inspection.run.length === 1 && inspection.run[0] === 'cairn:image') {
      throw new CairnError('INVALID_ARGUMENT', `inspection ${inspection.name} inspects a container image: verify it with the image (\`cairn verify IMAGE@sha256:...\`)`);
    }
    // loaded on first use: verifying a layout without inspections never pays for them
    const { recordArtifacts } = await import('../artifacts/index.js');
    const { execCommand } = await import('../run/index.js');
    const cwd = this.directory();
    const record = () => recordArtifacts(['.'], { basePath: cwd, followSymlinkDirs: true });
    const materials = record();
    const result = await execCommand(inspection.run, {
      cwd,
      env: this.options.env,
      timeoutMs: this.options.timeoutMs,
      recordStreams: true,
    });
    const products = record();
    return { materials, products, returnValue: result['return-value'], stderr: result.stderr.slice(-2000) };
  }

  /** Removes the scratch copy, if one was made. */
  dispose(): void {
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
    this.scratch = undefined;
    this.dir = undefined;
  }
}
