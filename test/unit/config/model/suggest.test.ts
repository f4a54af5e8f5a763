import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSuggestion, editDistance, suggestKeyword } from '../../../../src/config/suggest.js';

const KW = ['global_defs', 'vrrp_instance', 'vrrp_script', 'notify_master', 'notify', 'priority', 'state'];

test('edit distance', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('same', 'same'), 0);
});

test('case-insensitive match wins', () => {
  assert.deepEqual(suggestKeyword('Global_defs', KW), { keyword: 'global_defs' });
  assert.deepEqual(suggestKeyword('VRRP_INSTANCE', KW), { keyword: 'vrrp_instance' });
});

test('a keyword glued to its argument picks the longest keyword prefix', () => {
  assert.deepEqual(suggestKeyword('Notify_master/usr/local/bin/x.sh', KW), {
    keyword: 'notify_master',
    gluedArgument: '/usr/local/bin/x.sh',
  });
  assert.deepEqual(suggestKeyword('Notify/usr/bin/x', KW), {
    keyword: 'notify',
    gluedArgument: '/usr/bin/x',
  });
  assert.match(describeSuggestion(suggestKeyword('notify_master/x', KW)), /a space is missing/);
});

test('typos within a third of the length are suggested; others are not', () => {
  assert.deepEqual(suggestKeyword('priorty', KW), { keyword: 'priority' });
  assert.deepEqual(suggestKeyword('stat', KW), { keyword: 'state' });
  assert.equal(suggestKeyword('xyz', KW), undefined);
  assert.equal(suggestKeyword('completely_unrelated', KW), undefined);
  assert.equal(describeSuggestion(undefined), '');
});
