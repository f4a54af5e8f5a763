import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumpBuffer } from '../../../src/check/genhash.js';

test('dump_buffer: decimal offsets, hex bytes, a dash after 8, ASCII after 16, padded last line', () => {
  assert.equal(
    dumpBuffer(Buffer.from('HTTP/1.0 200 OK\r\nab')),
    '0000  48 54 54 50 2f 31 2e 30 - 20 32 30 30 20 4f 4b 0d   HTTP/1.0 200 OK.\n' +
      '0016  0a 61 62                -                           .ab             \n',
  );
  assert.equal(dumpBuffer(Buffer.alloc(0)), '');
});
