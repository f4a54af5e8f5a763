import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { demoConfig } from '../../../src/demo/config.js';
import {
  firstAnswer,
  formatTally,
  noFailureVerdict,
  parseFetch,
  spreadVerdict,
  tally,
  withinVerdict,
} from '../../../src/demo/timeline.js';

const fetches = [
  '1000 1010 rs1',
  '1100 1110 rs2',
  '1200 1700 - no answer in 500 ms',
  '1700 1705 rs2',
  '1800 1802 rs1',
].map((l) => parseFetch(l)!);

describe('demo timeline', () => {
  test('client lines parse into answers and failures', () => {
    assert.deepEqual(fetches[0], { start: 1000, end: 1010, server: 'rs1' });
    assert.deepEqual(fetches[2], { start: 1200, end: 1700, server: undefined, error: 'no answer in 500 ms' });
    assert.equal(parseFetch('listening'), undefined);
  });

  test('a window counts the fetches that started in it', () => {
    assert.deepEqual(tally(fetches, 1100, 1800), { counts: { rs2: 2 }, failed: 1, total: 3 });
    assert.equal(formatTally(tally(fetches, 0), ['rs1', 'rs2']), 'rs1  2  rs2  2  failed  1');
    assert.equal(firstAnswer(fetches, 1200)?.start, 1700);
    assert.equal(firstAnswer(fetches, 1101, 'rs1')?.start, 1800);
    assert.equal(firstAnswer(fetches, 1900), undefined);
  });

  test('verdicts', () => {
    assert.equal(spreadVerdict('s', tally(fetches, 1700), ['rs1', 'rs2']).ok, true);
    assert.equal(spreadVerdict('s', tally(fetches, 0), ['rs1', 'rs2']).ok, false, 'a failure');
    const one = spreadVerdict('s', tally(fetches, 1750), ['rs1', 'rs2']);
    assert.equal(one.ok, false);
    assert.match(one.detail, /no answer from rs2/);
    assert.equal(noFailureVerdict('n', tally(fetches, 1700)).ok, true);
    assert.equal(noFailureVerdict('n', tally(fetches, 1700), 'rs1').ok, false, 'rs1 answered');
    assert.equal(noFailureVerdict('n', tally(fetches, 5000)).ok, false, 'no traffic is no evidence');
    assert.equal(withinVerdict('w', 1500, 2000, 'x').ok, true);
    assert.equal(withinVerdict('w', 2500, 2000, 'x').ok, false);
    assert.deepEqual(withinVerdict('w', undefined, 2000, 'x'), {
      step: 'w',
      ok: false,
      detail: 'x: did not happen',
    });
  });

  test('one keepalived.conf: each director reads its own @id lines', () => {
    const c = demoConfig();
    assert.match(c, /@director1 state MASTER\n {4}@director2 state BACKUP/);
    assert.match(c, /@director1 priority 150/);
    assert.match(c, /lb_kind NAT/);
    assert.equal(c.match(/HTTP_GET \{/g)?.length, 2);
  });
});
