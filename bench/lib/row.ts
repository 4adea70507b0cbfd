import type { Cmd, Measurement } from './measure.js';

/** What a row must reach: a ratio to its first reference, a wall time, a peak RSS. */
export interface Target {
  ratio?: number;
  seconds?: number;
  rssMiB?: number;
}

/** One line of the bench table: Cairn against the reference tools on the same input. */
export interface BenchRow {
  id: string;
  work: string;
  cairn: Cmd;
  /** Reference commands; the first one is what the target ratio compares against. */
  references: Cmd[];
  target: Target;
  note?: string;
  /** Scaling rows go to their own table: the series they belong to and their size. */
  scale?: { series: string; n: number; unit: string };
  /** Runs once after the timing; what it returns is shown with the row (e.g. requests made). */
  probe?: () => Promise<string> | string;
  /**
   * A row that measures itself (a server under load, not one process run): it replaces the
   * process timing of `cairn`/`references`, says whether the target is met and what it saw.
   */
  custom?: (quick: boolean) => Promise<CustomResult>;
}

/** What a self-measuring row found (times in seconds). */
export interface CustomResult {
  cairn: Measurement;
  references: Measurement[];
  ratio?: number;
  met: boolean;
  text: string;
}

/** A group of rows sharing inputs or a server. */
export interface BenchGroup {
  name: string;
  setup(quick: boolean): Promise<BenchRow[]>;
  teardown?(): Promise<void>;
}
