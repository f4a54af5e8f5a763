/**
 * Oracle test: every VRRP frame in test/fixtures/vectors decodes to exactly what tshark 4.0.17 decoded
 * (decoded/*.fields.tsv), and re-encoding reproduces the VRRP message bytes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeFrame } from '../../../src/net/frame.js';
import { decodeIp, IPPROTO_VRRP, type IpDatagram } from '../../../src/net/ip.js';
import { readPcap } from '../../../src/pcap/reader.js';
import { decodeVrrp, encodeVrrp, type VrrpPacket } from '../../../src/vrrp/packet.js';
import { VECTORS } from '../../fixtures.js';

const CAPTURES: readonly [pcap: string, tsv: string][] = [
  ['ka-v2-pass-steady.pcap', 'ka-v2-pass-steady'],
  ['ka-v2-pass-lifecycle.pcap', 'ka-v2-pass-lifecycle'],
  ['ka-v2-unicast-lifecycle.pcap', 'ka-v2-unicast-lifecycle'],
  ['ka-v3-ipv4-lifecycle.pcap', 'ka-v3-ipv4-lifecycle'],
  ['ka-v3-ipv6-lifecycle.pcap', 'ka-v3-ipv6-lifecycle'],
  ['ka-v3-ipv6-ll-lifecycle.pcap', 'ka-v3-ipv6-ll-lifecycle'],
  ['tcpdump/vrrp.pcap', 'tcpdump-vrrp'],
];

type Row = Record<string, string>;

function readTsv(name: string): Map<number, Row> {
  const lines = readFileSync(`${VECTORS}/decoded/${name}.fields.tsv`, 'utf8').split('\n').filter(Boolean);
  const head = lines[0]!.split('\t');
  const rows = new Map<number, Row>();
  for (const line of lines.slice(1)) {
    const cells = line.split('\t');
    const row: Row = {};
    head.forEach((h, i) => {
      row[h] = cells[i] ?? '';
    });
    rows.set(Number(row['frame.number']), row);
  }
  return rows;
}

/**
 * The VRRP-carrying datagram of a frame. An ICMP error (unicast capture: the peer answered "protocol
 * unreachable") quotes the offending datagram after its 8-byte header; tshark decodes the quoted VRRP
 * too, so we follow it the same way.
 */
function vrrpDatagram(ip: IpDatagram): IpDatagram | undefined {
  if (ip.protocol === IPPROTO_VRRP) return ip;
  const icmpError = (ip.protocol === 1 && ip.payload[0] === 3) || (ip.protocol === 58 && ip.payload[0] === 1);
  if (!icmpError) return undefined;
  const inner = decodeIp(ip.payload.subarray(8));
  return inner.ok && inner.ip.protocol === IPPROTO_VRRP ? inner.ip : undefined;
}

/** tshark prints a field once per layer (outer IP, quoted IP): the VRRP packet's own is the last. */
const last = (v: string | undefined) => (v ?? '').split(',').at(-1) ?? '';

function expectMatches(p: VrrpPacket, ip: IpDatagram, row: Row, where: string): void {
  const fam = ip.family === 'ipv4';
  assert.equal(ip.src, last(fam ? row['ip.src'] : row['ipv6.src']), `${where} src`);
  assert.equal(String(ip.ttl), last(fam ? row['ip.ttl'] : row['ipv6.hlim']), `${where} ttl`);
  assert.equal(String(p.version), row['vrrp.version'], `${where} version`);
  assert.equal(String(p.vrid), row['vrrp.virt_rtr_id'], `${where} vrid`);
  assert.equal(String(p.priority), row['vrrp.prio'], `${where} priority`);
  assert.equal(String(p.addresses.length), row['vrrp.addr_count'], `${where} count`);
  if (p.version === 2) {
    assert.equal(String(p.authType), row['vrrp.auth_type'], `${where} auth type`);
    assert.equal(String(p.adverIntCs / 100), row['vrrp.adver_int'], `${where} v2 interval`);
  } else {
    assert.equal(row['vrrp.auth_type'], '', `${where} v3 has no auth type`);
    assert.equal(String(p.adverIntCs), row['vrrp.short_adver_int'], `${where} v3 interval`);
  }
  assert.equal(`0x${p.checksum.toString(16).padStart(4, '0')}`, row['vrrp.checksum'], `${where} checksum`);
  assert.equal(row['vrrp.checksum.status'], '1', `${where} tshark says the checksum is good`);
  const addrs = fam ? row['vrrp.ip_addr'] : row['vrrp.ipv6_addr'];
  assert.deepEqual(p.addresses, addrs ? addrs.split(',') : [], `${where} addresses`);
}

for (const [file, tsv] of CAPTURES) {
  test(`${file}: every VRRP frame matches tshark and re-encodes byte for byte`, () => {
    const pcap = readPcap(readFileSync(`${VECTORS}/${file}`));
    assert.ok(pcap.ok, 'pcap opens');
    assert.equal(pcap.stop, undefined, 'read to the end');
    const rows = readTsv(tsv);
    const seen = new Set<number>();
    for (const rec of pcap.records) {
      const frame = decodeFrame(pcap.header.linktype, rec.data);
      if (!frame.ok) continue;
      const ip = vrrpDatagram(frame.ip);
      if (!ip) continue;
      const where = `${file} frame ${rec.index}`;
      const row = rows.get(rec.index);
      assert.ok(row, `${where} is VRRP but tshark has no row for it`);
      const d = decodeVrrp(ip.payload, ip);
      assert.ok(d.ok, `${where}: ${d.ok ? '' : d.reason}`);
      expectMatches(d.packet, ip, row, where);
      const enc = encodeVrrp(d.packet, ip);
      assert.ok(enc.ok, `${where} encodes: ${enc.ok ? '' : enc.reason}`);
      assert.deepEqual(Buffer.from(enc.bytes), Buffer.from(ip.payload), `${where} re-encodes identically`);
      seen.add(rec.index);
    }
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [...rows.keys()].sort((a, b) => a - b),
      'decoded exactly the frames tshark decoded',
    );
  });
}
