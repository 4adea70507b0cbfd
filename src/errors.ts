// Every failure Cairn reports is a CairnError with a stable code and structured details. The
// library throws them; only the CLI turns them into one line of text, advice that names its flags
// (src/cli/hints.ts) and an exit code (src/cli/exit-codes.ts).

/** Stable machine-readable failure codes. Adding one means deciding its class below. */
export type ErrorCode =
  // bad input or usage (exit 2)
  | 'INVALID_ARGUMENT'
  | 'FILE_NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'SCHEMA_INVALID'
  | 'KEY_INVALID'
  | 'UNSUPPORTED'
  | 'UNSAFE_PATH'
  | 'ARCHIVE_INVALID'
  | 'COMMAND_FAILED'
  // verification failed (exit 1)
  | 'SIGNATURE_INVALID'
  | 'THRESHOLD_NOT_MET'
  | 'LAYOUT_EXPIRED'
  | 'RULE_VIOLATION'
  | 'LINK_NOT_FOUND'
  | 'VERIFICATION_FAILED'
  | 'TRUST_ROOT_INVALID'
  // registry, network or disk (exit 3)
  | 'DIGEST_MISMATCH'
  | 'TOO_LARGE'
  | 'NOT_FOUND'
  | 'REGISTRY_ERROR'
  | 'UNAUTHORIZED'
  | 'NETWORK_ERROR'
  | 'IO_ERROR'
  // a bug (exit 70)
  | 'INTERNAL';

/**
 * What kind of failure a code is: the input was bad, verification failed, the registry, network
 * or disk failed us (worth a retry), or a bug. The CLI turns a class into an exit code
 * (src/cli/exit-codes.ts); a gate, into a verdict or a retry.
 */
export type FailureClass = 'input' | 'verification' | 'system' | 'bug';

const FAILURE_CLASSES: Record<ErrorCode, FailureClass> = {
  INVALID_ARGUMENT: 'input',
  FILE_NOT_FOUND: 'input',
  ALREADY_EXISTS: 'input',
  SCHEMA_INVALID: 'input',
  KEY_INVALID: 'input',
  UNSUPPORTED: 'input',
  UNSAFE_PATH: 'input',
  ARCHIVE_INVALID: 'input',
  COMMAND_FAILED: 'input',
  SIGNATURE_INVALID: 'verification',
  THRESHOLD_NOT_MET: 'verification',
  LAYOUT_EXPIRED: 'verification',
  RULE_VIOLATION: 'verification',
  LINK_NOT_FOUND: 'verification',
  VERIFICATION_FAILED: 'verification',
  TRUST_ROOT_INVALID: 'verification',
  DIGEST_MISMATCH: 'system',
  TOO_LARGE: 'system',
  NOT_FOUND: 'system',
  REGISTRY_ERROR: 'system',
  UNAUTHORIZED: 'system',
  NETWORK_ERROR: 'system',
  IO_ERROR: 'system',
  INTERNAL: 'bug',
};

/** The class of a failure code. */
export function failureClass(code: ErrorCode): FailureClass {
  return FAILURE_CLASSES[code];
}

/**
 * Structured facts about a failure, for programs (`--output json`) and for the CLI, which turns
 * them into advice (`reason` says which kind of failure within the code, e.g. `tls-untrusted`).
 * Never a secret.
 */
export type ErrorDetails = Readonly<Record<string, string | number | boolean>>;

export interface CairnErrorOptions {
  /** What the error is about: a file, a JSON path, a reference. Prefixed to the message. */
  where?: string;
  cause?: unknown;
  details?: ErrorDetails;
}

/** The one error type of the library: a code, a one-line message, and where it happened. */
export class CairnError extends Error {
  readonly code: ErrorCode;
  readonly where: string | undefined;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, options: CairnErrorOptions = {}) {
    super(options.where ? `${options.where}: ${message}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.where = options.where;
    this.details = options.details;
  }

  /** A copy of this error with a location prefixed, e.g. the file a parse error came from. */
  at(where: string): CairnError {
    const copy = Object.create(Object.getPrototypeOf(this)) as CairnError;
    Object.assign(copy, this);
    Object.defineProperty(copy, 'message', { value: `${where}: ${this.message}`, enumerable: false, writable: true });
    Object.defineProperty(copy, 'where', { value: this.where ? `${where}: ${this.where}` : where });
    Object.defineProperty(copy, 'stack', { value: this.stack, enumerable: false, writable: true });
    return copy;
  }
}

/** True for a CairnError, optionally with one of the given codes. */
export function isCairnError(err: unknown, ...codes: ErrorCode[]): err is CairnError {
  return err instanceof CairnError && (codes.length === 0 || codes.includes(err.code));
}

/** Errno codes that mean "the disk or OS failed us", as opposed to a bad path from the user. */
const NOT_FOUND_ERRNO = new Set(['ENOENT', 'ENOTDIR']);
const USER_ERRNO = new Set(['EISDIR', 'EACCES', 'EPERM', 'ELOOP', 'ENAMETOOLONG']);

/** Turns a node fs error into a CairnError naming the file; anything else is re-thrown as is. */
export function fsError(err: unknown, path: string, doing = 'cannot read'): CairnError {
  if (err instanceof CairnError) return err;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  if (errno && NOT_FOUND_ERRNO.has(errno)) {
    return new CairnError('FILE_NOT_FOUND', 'no such file or directory', { where: path, cause: err });
  }
  if (errno && USER_ERRNO.has(errno)) {
    return new CairnError('INVALID_ARGUMENT', `${doing}: ${errno}`, { where: path, cause: err });
  }
  if (errno) return new CairnError('IO_ERROR', `${doing}: ${errno}`, { where: path, cause: err });
  return new CairnError('INTERNAL', `${doing}: ${String(err)}`, { where: path, cause: err });
}

/** One problem found in a document, located by a JSON path such as `steps[2].threshold`. */
export interface Issue {
  path: string;
  message: string;
}

/** A document that does not have the expected shape; carries every problem found, not just the first. */
export class ValidationError extends CairnError {
  readonly issues: Issue[];

  constructor(issues: Issue[], options: CairnErrorOptions = {}) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    const text = first ? `${first.path ? `${first.path}: ` : ''}${first.message}${more}` : 'invalid document';
    super('SCHEMA_INVALID', text, options);
    this.issues = issues;
  }
}
