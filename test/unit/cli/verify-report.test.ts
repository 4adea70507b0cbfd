import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reportLines, verdictLine } from '../../../src/cli/verify-report.js';
import { parseParams } from '../../../src/cli/commands/verify.js';
import type { VerificationReport } from '../../../src/verify/index.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';

const header = { origin: 'root.layout', format: 'legacy' as const, expires: '2099-01-01T00:00:00Z', readme: '', steps: ['write', 'package'], inspections: ['untar'] };

describe('verify report text', () => {
  it('prints one line per step and inspection, warnings apart, unreached items as SKIP, and the verdict', () => {
    const fail = { check: 'step-rules' as const, verdict: 'fail' as const, code: 'RULE_VIOLATION' as const, item: 'package', queue: 'materials' as const, rules: [], rule: 'DISALLOW *', artifacts: ['evil.sh'], message: 'DISALLOW * rejected evil.sh (materials)' };
    const report: VerificationReport = {
      verdict: 'fail', layout: header, failure: fail,
      checks: [
        { check: 'layout-signatures', verdict: 'pass', signers: ['8cd8c761'], message: 'signed by 8cd8c761' },
        { check: 'layout-expiry', verdict: 'pass', message: 'expires 2099-01-01T00:00:00Z' },
        { check: 'step-evidence', verdict: 'pass', item: 'write', threshold: 1, signers: ['d8d142ee'], evidence: [], message: 'threshold 1 met by d8d142ee' },
        { check: 'step-evidence', verdict: 'pass', item: 'package', threshold: 1, signers: ['ed845f20'], evidence: [], message: 'threshold 1 met by ed845f20' },
        { check: 'command-alignment', verdict: 'warn', item: 'package', command: ['make'], message: 'p.link ran "make", the layout expects no command' },
        { check: 'step-rules', verdict: 'pass', item: 'write', queue: 'materials', rules: [], message: 'm' },
        { check: 'step-rules', verdict: 'pass', item: 'write', queue: 'products', rules: [{ rule: 'ALLOW *', consumed: 2 }], message: 'p' },
        fail,
      ],
    };
    assert.deepEqual(reportLines(report), [
      'PASS  layout root.layout: signed by 8cd8c761; expires 2099-01-01T00:00:00Z',
      'PASS  step write: threshold 1 met by d8d142ee; rules: materials 0, products 1',
      'FAIL  step package: DISALLOW * rejected evil.sh (materials)',
      'WARN  step package: p.link ran "make", the layout expects no command',
      'SKIP  inspection untar: not reached (verification stopped earlier)',
    ]);
    assert.equal(verdictLine(report), 'FAIL: package: DISALLOW * rejected evil.sh (materials)');
    assert.equal(verdictLine({ verdict: 'pass', layout: header, checks: [] }), 'PASS: the software product passed all verification');
  });

  it('indents a sublayout\'s lines under its step', () => {
    const sub: VerificationReport = { verdict: 'pass', layout: { ...header, origin: 'write.ab.link', steps: ['inner'], inspections: [] }, checks: [{ check: 'step-evidence', verdict: 'pass', item: 'inner', threshold: 1, signers: [], evidence: [], message: 'ok' }] };
    const report: VerificationReport = {
      verdict: 'pass', layout: { ...header, steps: ['write'], inspections: [] },
      checks: [{ check: 'step-evidence', verdict: 'pass', item: 'write', threshold: 1, signers: ['ab'], evidence: [], message: 'threshold 1 met by ab' }, { check: 'sublayout', verdict: 'pass', item: 'write', sublayout: sub, message: 'sublayout passed' }],
    };
    const lines = reportLines(report);
    assert.equal(lines[1], 'PASS  step write: threshold 1 met by ab; sublayout passed; rules not reached');
    assert.equal(lines[2], '    PASS  layout write.ab.link: ');
    assert.match(lines[3]!, /^ {4}PASS {2}step inner: ok/);
  });

  it('reads --param NAME=VALUE, refusing repeats and missing names', () => {
    assert.equal(parseParams([]), undefined);
    assert.deepEqual(parseParams(['a=1', 'b=x=y', 'c=']), { a: '1', b: 'x=y', c: '' });
    assertCairnErrorSync(() => parseParams(['=1']), 'INVALID_ARGUMENT', /expected NAME=VALUE/);
    assertCairnErrorSync(() => parseParams(['a=1', 'a=2']), 'INVALID_ARGUMENT', /given twice/);
  });
});
