import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  fileOwnershipStore,
  hostScope,
  ipvsRecordPath,
  parseRecord,
  serviceIdentity,
} from '../../../src/lvs/ipvs-ownership.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-ipvs-record-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('service identities are the kernel keys: family, protocol, address, port or fwmark', () => {
  assert.equal(
    serviceIdentity({ family: 'ipv4', protocol: 'UDP', address: '192.0.2.1', port: 53 }),
    'ipv4 UDP 192.0.2.1:53',
  );
  assert.equal(
    serviceIdentity({ family: 'ipv6', protocol: 'TCP', address: '2001:db8::1', port: 80 }),
    'ipv6 TCP [2001:db8::1]:80',
  );
  assert.equal(serviceIdentity({ family: 'ipv6', fwmark: 7 }), 'ipv6 FWM 7');
});

test('the record sits beside the pid file', () => {
  assert.equal(ipvsRecordPath('/run/vigil.pid'), '/run/vigil.ipvs');
  assert.equal(ipvsRecordPath('/run/k'), '/run/k.ipvs');
});

test('the record file: written whole by rename, read back in its scope only, removed when empty', async () => {
  const path = join(dir, 'vigil.ipvs');
  let scope = 'boot-1 netns:1';
  const store = fileOwnershipStore(path, () => scope);
  assert.deepEqual(await store.load(), [], 'no file: nothing recorded');
  await store.save(['ipv4 TCP 192.0.2.1:80', 'ipv4 FWM 7']);
  assert.deepEqual(readdirSync(dir), ['vigil.ipvs'], 'no temporary file left');
  assert.deepEqual(await store.load(), ['ipv4 FWM 7', 'ipv4 TCP 192.0.2.1:80']);
  assert.deepEqual(await fileOwnershipStore(path, () => scope).load(), [
    'ipv4 FWM 7',
    'ipv4 TCP 192.0.2.1:80',
  ]);
  // Another boot or namespace: the services it names may be anyone's now.
  scope = 'boot-2 netns:1';
  assert.deepEqual(await store.load(), []);
  await store.save([]);
  assert.equal(existsSync(path), false);
  writeFileSync(path, '{not json');
  assert.deepEqual(await store.load(), []);
  assert.deepEqual(parseRecord('{"scope":"s","services":["a",1]}', 's'), ['a']);
  assert.match(readFileSync(path, 'utf8'), /not json/, 'load never writes');
});

test('the host scope names the boot and the network namespace', () => {
  assert.match(hostScope(), /^[0-9a-f-]{36} netns:\d+$/);
});
