import { CairnError, type ErrorCode, type ErrorDetails } from '../errors.js';

// An error as it crosses between threads. A CairnError keeps its code, location and details
// (structured clone would turn it into a plain Error, dropping the code the CLI maps to an exit
// code); anything else that a thread throws is a bug there, and comes back as INTERNAL.

/** A thrown error as plain data, for postMessage. */
export interface WireError {
  code?: ErrorCode;
  message: string;
  where?: string;
  details?: ErrorDetails;
}

/** The thread's side: what was thrown, as plain data. */
export function errorToWire(err: unknown): WireError {
  if (err instanceof CairnError) {
    return { code: err.code, message: err.message, ...(err.where ? { where: err.where } : {}), ...(err.details ? { details: err.details } : {}) };
  }
  return { message: err instanceof Error ? err.message : String(err) };
}

/**
 * The other side: the error rebuilt, with the message and location as thrown there. `thread`
 * names the thread in the message of an error that was not a CairnError.
 */
export function errorFromWire(e: WireError, thread: string): CairnError {
  if (!e.code) return new CairnError('INTERNAL', `${thread} thread failed: ${e.message}`);
  const prefix = e.where ? `${e.where}: ` : '';
  const message = prefix && e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
  return new CairnError(e.code, message, { ...(e.where ? { where: e.where } : {}), ...(e.details ? { details: e.details } : {}) });
}
