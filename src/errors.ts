// Every failure Cairn reports is a CairnError with a stable code. The library throws them; only
// the CLI turns them into one line of text and an exit code (see exitCodeFor).

/** Stable machine-readable failure codes. Adding one means deciding its exit code below. */
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

const EXIT_CODES: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 2,
  FILE_NOT_FOUND: 2,
  ALREADY_EXISTS: 2,
  SCHEMA_INVALID: 2,
  KEY_INVALID: 2,
  UNSUPPORTED: 2,
  UNSAFE_PATH: 2,
  ARCHIVE_INVALID: 2,
  COMMAND_FAILED: 2,
  SIGNATURE_INVALID: 1,
  THRESHOLD_NOT_MET: 1,
  LAYOUT_EXPIRED: 1,
  RULE_VIOLATION: 1,
  LINK_NOT_FOUND: 1,
  VERIFICATION_FAILED: 1,
  TRUST_ROOT_INVALID: 1,
  DIGEST_MISMATCH: 3,
  TOO_LARGE: 3,
  NOT_FOUND: 3,
  REGISTRY_ERROR: 3,
  UNAUTHORIZED: 3,
  NETWORK_ERROR: 3,
  IO_ERROR: 3,
  INTERNAL: 70,
};

/** Process exit code for an error code: 1 verification, 2 input/usage, 3 registry/network/disk, 70 bug. */
export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODES[code];
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
