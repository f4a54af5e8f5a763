/**
 * Fuzzing the VRRP decoders: at least 1,000,000 random and mutated packets (mutations of every real VRRP
 * message in the vectors). Every result must be a well-formed packet or a known reason; nothing throws.
 * The seed is printed; rerun one with VIGIL_FUZZ_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeFrame } from '../../../src/net/frame.js';
import { IPPROTO_VRRP } from '../../../src/net/ip.js';
import { readPcap } from '../../../src/pcap/reader.js';
import { analyzeCapture } from '../../../src/sniff/analyze.js';
import {
  DECODE_REASONS,
  type DecodeReason,
  decodeVrrp,
  encodeVrrp,
  type VrrpContext,
  vrrpChecksum,
} from '../../../src/vrrp/packet.js';
import { type AdvertCheckConfig, checkAdvert, RECEIVE_REASONS } from '../../../src/vrrp/receive.js';
import { VECTORS } from '../../fixtures.js';

const DECODE_REASON_SET = new Set<DecodeReason>(DECODE_REASONS);
const CHECK_REASONS = new Set<string>(RECEIVE_REASONS);

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sample {
  readonly linktype: number;
  readonly frame: Uint8Array;
  readonly vrrp: Uint8Array;
  readonly ctx: VrrpContext;
}

function loadSamples(): Sample[] {
  const out: Sample[] = [];
  for (const f of [
    'ka-v2-pass-lifecycle.pcap',
    'ka-v2-unicast-lifecycle.pcap',
    'ka-v3-ipv4-lifecycle.pcap',
    'ka-v3-ipv6-ll-lifecycle.pcap',
    'tcpdump/vrrp.pcap',
  ]) {
    const pcap = readPcap(readFileSync(`${VECTORS}/${f}`));
    assert.ok(pcap.ok);
    for (const rec of pcap.records) {
      const fr = decodeFrame(pcap.header.linktype, rec.data);
      if (!fr.ok || fr.ip.protocol !== IPPROTO_VRRP) continue;
      out.push({ linktype: pcap.header.linktype, frame: rec.data, vrrp: fr.ip.payload, ctx: fr.ip });
    }
  }
  return out;
}

test('fuzz: 1,000,000+ random and mutated packets decode to a packet or a reason, never a throw', () => {
  const seed = Number(process.env.VIGIL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
  console.log(`fuzz seed ${seed} (rerun with VIGIL_FUZZ_SEED=${seed})`);
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const samples = loadSamples();
  assert.ok(samples.length > 100, 'enough seed packets');
  const cfg: AdvertCheckConfig = {
    version: 2,
    family: 'ipv4',
    vrid: 42,
    authType: 1,
    authPass: 'abcdefgh',
    adverIntCs: 1000,
    vips: ['10.4.42.1', '10.4.42.2', '10.4.42.3'],
    unicastPeers: [],
    checkUnicastSrc: false,
    skipCheckAdvAddr: false,
  };
  const tally = { ok: 0, reasons: new Map<string, number>() };
  const ITER = 1_000_000;
  const started = Date.now();

  const mutate = (src: Uint8Array): Uint8Array => {
    let b = Uint8Array.from(src);
    const n = 1 + int(4);
    for (let k = 0; k < n; k++) {
      const op = int(7);
      if (op === 0 && b.length > 0) b[int(b.length)] = int(256);
      else if (op === 1 && b.length > 0) b[int(b.length)]! ^= 1 << int(8);
      else if (op === 2) b = b.subarray(0, int(b.length + 1));
      else if (op === 3) b = Uint8Array.from([...b, ...Array.from({ length: 1 + int(40) }, () => int(256))]);
      else if (op === 4 && b.length > 3)
        b[3] = int(256); // address count: the length driver
      else if (op === 5 && b.length > 0)
        b[0] = (int(16) << 4) | int(16); // version and type
      else if (op === 6 && b.length > 0) b = b.subarray(int(b.length)); // lose a prefix
    }
    return b;
  };

  for (let i = 0; i < ITER; i++) {
    const s = samples[int(samples.length)]!;
    const kind = i % 10;
    let bytes: Uint8Array;
    if (kind === 0) bytes = Uint8Array.from({ length: int(120) }, () => int(256));
    else bytes = mutate(s.vrrp);
    const ctx: VrrpContext =
      kind === 1 ? { ...s.ctx, family: s.ctx.family === 'ipv4' ? 'ipv6' : 'ipv4' } : s.ctx;
    // A third of the mutants get a correct checksum so the deeper paths (odd counts, types) are reached.
    if (kind >= 7 && bytes.length >= 8) {
      const ck = vrrpChecksum(bytes, bytes[0]! >> 4, ctx);
      if (ck !== undefined) {
        bytes[6] = ck >> 8;
        bytes[7] = ck & 0xff;
      }
    }
    const d = decodeVrrp(bytes, ctx);
    if (d.ok) {
      tally.ok++;
      const p = d.packet;
      assert.ok(p.version === 2 || p.version === 3);
      assert.ok(p.vrid >= 0 && p.vrid <= 255 && p.priority >= 0 && p.priority <= 255);
      assert.equal(p.addresses.length, bytes[3]);
      // Anything that decodes re-encodes to the same bytes, except the ignored v3 reserved bits.
      const e = encodeVrrp(p, ctx);
      assert.ok(e.ok);
      if (p.version === 2 || (bytes[4]! & 0xf0) === 0) assert.deepEqual(e.bytes, bytes);
    } else {
      assert.ok(DECODE_REASON_SET.has(d.reason), `unknown reason ${d.reason}`);
      tally.reasons.set(d.reason, (tally.reasons.get(d.reason) ?? 0) + 1);
    }
    // Every 8th case also goes through whole-frame decoding and the receive checks.
    if ((i & 7) === 0) {
      const f = decodeFrame(s.linktype, mutate(s.frame));
      assert.ok(f.ok || typeof f.reason === 'string');
      const c = checkAdvert({ ...ctx, ttl: int(2) ? 255 : int(256), payload: bytes }, cfg);
      assert.ok(c.ok || CHECK_REASONS.has(c.reason), `unknown check reason ${c.ok ? '' : c.reason}`);
    }
  }
  const ms = Date.now() - started;
  console.log(
    `fuzz: ${ITER} packets in ${ms} ms, ${tally.ok} decoded, reasons ${JSON.stringify([...tally.reasons])}`,
  );
  // Both outcomes must actually occur, or the mutations are not exercising the decoder.
  assert.ok(tally.ok > 1000, 'some mutations stay valid');
  assert.ok(tally.reasons.size >= 5, 'most reasons are reached');
});

test('fuzz: 20,000 damaged capture files go through the pcap reader and sniff analysis without a throw', () => {
  const seed = Number(process.env.VIGIL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
  console.log(`capture fuzz seed ${seed} (rerun with VIGIL_FUZZ_SEED=${seed})`);
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const files = [
    'ka-v2-pass-lifecycle.pcap',
    'ka-v3-ipv6-ll-lifecycle.pcap',
    'tcpdump/vrrp-vrrp_print-oobr-2.pcap',
  ].map((f) => readFileSync(`${VECTORS}/${f}`));
  let analysed = 0;
  let refused = 0;
  for (let i = 0; i < 20_000; i++) {
    const b = Uint8Array.from(files[int(files.length)]!);
    const n = 1 + int(8);
    for (let k = 0; k < n; k++) b[int(b.length)] = int(256);
    const img = int(4) === 0 ? b.subarray(0, int(b.length)) : b;
    const r = analyzeCapture(img);
    if (r.ok) {
      analysed++;
      for (const rec of r.records) assert.ok(rec.error === null || typeof rec.error === 'string');
    } else {
      refused++;
      assert.equal(typeof r.error, 'string');
    }
  }
  assert.ok(analysed > 0 && refused > 0, `${analysed} analysed, ${refused} refused`);
});
