// Recording steps: in-toto-run and in-toto-record.
export { type ExecOptions, type Byproducts, execCommand } from './exec.js';
export {
  type StepOptions,
  type WrittenLink,
  runStep,
  writeSignedLink,
  unfinishedLinkName,
  recordStart,
  recordStop,
} from './step.js';
