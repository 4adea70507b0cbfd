import type { CairnError } from '../errors.js';

// What to do about a failure: the library says what failed and where (code, message, details);
// only the CLI knows its flags, so only the CLI turns a failure into advice that names them
// (oras' cmd/oras/internal/errors: Error{Err, Recommendation}). `args` are the command line as
// given, to tell a flag the user gave from a default.

/** Advice for a failure, naming the flags or commands that fix it; undefined when there is none. */
export function hintFor(err: CairnError, args: readonly string[]): string | undefined {
  const d = err.details ?? {};
  const host = typeof d['host'] === 'string' && d['host'] ? d['host'] : 'REGISTRY';
  const gave = (flag: string) => args.some((a) => a === flag || a.startsWith(`${flag}=`));
  switch (d['reason']) {
    case 'https-spoken-as-http':
      return gave('--plain-http')
        ? 'drop --plain-http: this registry wants HTTPS (add --ca-file CERT.pem if its certificate is self-signed)'
        : 'Cairn speaks plain HTTP to loopback registries; for this TLS one give --ca-file CERT.pem (its CA), or --insecure';
    case 'http-spoken-as-https':
      return `give --plain-http${gave('--ca-file') || gave('--insecure') ? ' (and drop --ca-file/--insecure)' : ''}: this registry speaks plain HTTP`;
    case 'tls-untrusted':
      return 'give --ca-file CA.pem to trust the registry\'s certificate (or --insecure to skip the check, for tests only)';
    case 'connection-refused':
      return `is the registry running and listening at ${host}? check the host and port in the reference`;
    case 'unknown-host':
      return 'check the registry host name in the reference';
    case 'auth-required':
      return `log in first: cairn login ${host} (or give --username USER --password-stdin)`;
    case 'credentials-rejected':
      return gave('--username') || gave('-u') ? 'check the user name and the password given on standard input' : `the stored credentials are wrong or expired: cairn login ${host} again`;
    case 'denied':
      return 'the user may not do this in this repository; check its permissions on the registry';
    case 'credentials-incomplete':
      return 'give both --username and --password-stdin, or neither';
    case 'timeout':
      return 'a slow registry: raise --registry-timeout SECONDS';
    case 'referrers-index-contended':
      return `run cairn discover --repair on ${typeof d['subject'] === 'string' ? `IMAGE@${d['subject']}` : 'the image'} once the writers are done`;
    case 'passphrase-missing':
      return 'give its passphrase with --password-env VAR';
    case 'legacy-cipher':
      return 'or run with NODE_OPTIONS=--openssl-legacy-provider';
    case 'file-exists':
      return 'give --force to replace it';
    case 'drops-signatures':
      return 'or give --force to drop them';
    case 'bad-expiry':
      return '--expires takes 30d, 12h, 2w, 1y or a date';
    case 'unbound':
      return '--allow-unbound is for local experiments only';
    case 'parameter-missing':
      return `give --param ${typeof d['parameter'] === 'string' ? d['parameter'] : 'NAME'}=VALUE`;
    case 'platform-needed':
      return 'give --platform OS/ARCH[/VARIANT]';
    case 'platform-not-needed':
      return 'drop --platform';
    case 'not-pinned':
      if (gave('--trust-root')) return '--trust-root takes the pinned first version: REF@sha256:...';
      if (gave('--trusted-root')) return '--trusted-root takes a file, or REF@sha256:...';
      return undefined;
    case 'step-mismatch':
      return `drop --step: the link names its own step${typeof d['step'] === 'string' ? ` (${d['step']})` : ''}`;
    default:
      break;
  }
  if (err.code === 'NETWORK_ERROR' && /timed? ?out|TIMEOUT/i.test(err.message)) return 'a slow registry: raise --registry-timeout SECONDS';
  return undefined;
}
