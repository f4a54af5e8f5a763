import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initFilePlan, parseTrackFileValue } from '../../../src/track/track-file.js';

test('values read like strtol(buf, NULL, 0)', () => {
  const cases: [string | undefined, number][] = [
    [undefined, 0],
    ['', 0],
    ['abc', 0],
    ['5', 5],
    ['  -12\n', -12],
    ['+7', 7],
    ['42 trailing words', 42],
    ['12abc', 12],
    ['0x1f', 31],
    ['0X10', 16],
    ['010', 8],
    ['08', 0],
    ['0xg', 0],
    ['-', 0],
    ['2147483648', 2147483648],
    ['-2147483648', -2147483648],
  ];
  for (const [text, want] of cases)
    assert.deepEqual(parseTrackFileValue(text), { ok: true, value: want }, String(text));
});

test('values outside the int32 range are ignored with a reason', () => {
  const r = parseTrackFileValue('2147483649');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /Invalid number 2147483649/);
  assert.equal(parseTrackFileValue('-2147483649').ok, false);
  assert.equal(parseTrackFileValue('99999999999999999999999').ok, false);
});

test('init_file writes VALUE (default 0) when missing, always with overwrite', () => {
  assert.deepEqual(initFilePlan(undefined, false), { write: false });
  assert.deepEqual(initFilePlan([], false), { write: true, content: '0\n' });
  assert.deepEqual(initFilePlan([], true), { write: false });
  assert.deepEqual(initFilePlan(['5'], false), { write: true, content: '5\n' });
  assert.deepEqual(initFilePlan(['5'], true), { write: false });
  assert.deepEqual(initFilePlan(['5', 'overwrite'], true), { write: true, content: '5\n' });
  assert.deepEqual(initFilePlan(['overwrite'], true), { write: true, content: '0\n' });
});
