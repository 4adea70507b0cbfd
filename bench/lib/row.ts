import type { Cmd } from './measure.js';

/** One line of the bench table: Cairn against the reference tools on the same input. */
export interface BenchRow {
  id: string;
  work: string;
  cairn: Cmd;
  /** Reference commands; the first one is what the target ratio compares against. */
  references: Cmd[];
  target: { ratio?: number; seconds?: number; rssMiB?: number };
  note?: string;
}

/** A group of rows sharing inputs or a server. */
export interface BenchGroup {
  name: string;
  setup(quick: boolean): Promise<BenchRow[]>;
  teardown?(): Promise<void>;
}
