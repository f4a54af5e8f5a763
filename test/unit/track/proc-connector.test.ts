import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProcEvents, encodeMcastOp, PROC_CN_MCAST_LISTEN } from '../../../src/track/proc-connector.js';

function event(what: number, words: number[]): Buffer {
  const b = Buffer.alloc(16 + 20 + 16 + words.length * 4);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(3, 4);
  b.writeUInt32LE(1, 16); // CN_IDX_PROC
  b.writeUInt32LE(1, 20); // CN_VAL_PROC
  b.writeUInt16LE(16 + words.length * 4, 32);
  b.writeUInt32LE(what, 36);
  for (const [i, w] of words.entries()) b.writeUInt32LE(w, 52 + i * 4);
  return b;
}

test('the listen request is nlmsghdr + cn_msg + op', () => {
  const b = encodeMcastOp(PROC_CN_MCAST_LISTEN, 7);
  assert.equal(b.length, 40);
  assert.equal(b.readUInt32LE(0), 40);
  assert.equal(b.readUInt16LE(4), 3, 'NLMSG_DONE');
  assert.equal(b.readUInt32LE(16), 1);
  assert.equal(b.readUInt32LE(20), 1);
  assert.equal(b.readUInt16LE(32), 4);
  assert.equal(b.readUInt32LE(36), 1);
});

test('fork, exec, comm and exit events decode; others and garbage are skipped', () => {
  assert.deepEqual(decodeProcEvents(event(1, [10, 10, 11, 11])), [
    { kind: 'fork', parentPid: 10, childPid: 11, childTgid: 11 },
  ]);
  assert.deepEqual(decodeProcEvents(event(2, [11, 11])), [{ kind: 'exec', pid: 11, tgid: 11 }]);
  assert.deepEqual(decodeProcEvents(event(0x200, [11, 11, 0, 0, 0, 0])), [
    { kind: 'comm', pid: 11, tgid: 11 },
  ]);
  assert.deepEqual(decodeProcEvents(event(0x80000000, [12, 11, 0, 9])), [
    { kind: 'exit', pid: 12, tgid: 11 },
  ]);
  assert.deepEqual(decodeProcEvents(event(0x4, [1, 1, 0, 0])), [], 'uid change ignored');
  assert.deepEqual(decodeProcEvents(Buffer.from([1, 2, 3])), []);
  const bad = event(2, [1, 1]);
  bad.writeUInt32LE(9999, 0);
  assert.deepEqual(decodeProcEvents(bad), [], 'length past the end');
  const other = event(2, [1, 1]);
  other.writeUInt32LE(5, 16);
  assert.deepEqual(decodeProcEvents(other), [], 'another connector');
});

test('several messages in one datagram', () => {
  const both = Buffer.concat([event(2, [5, 5]), event(0x80000000, [6, 6, 0, 0])]);
  assert.deepEqual(
    decodeProcEvents(both).map((e) => e.kind),
    ['exec', 'exit'],
  );
});
