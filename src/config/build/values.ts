/**
 * Readers for single values (numbers, booleans, addresses, scripts). Pure: each returns the value
 * or a reason string, never throws; the caller turns a reason into a diagnostic.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { SourcePos } from '../diagnostics.js';
import type { AddressFamily, ScriptSpec } from '../model.js';

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };
const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(reason: string): Result<T> => ({ ok: false, reason });

/** An integer in min..max (decimal; keepalived's read_int_strvec also takes a leading '+'/'-'). */
export function readInt(text: string, min: number, max: number): Result<number> {
  if (!/^[+-]?\d+$/.test(text)) return fail(`invalid number '${text}'`);
  const n = Number(text);
  if (n < min || n > max) return fail(`number '${text}' is outside the range ${min}..${max}`);
  return ok(n);
}

/** A decimal in min..max, scaled (e.g. seconds -> ms with scale 1000) and rounded to an integer. */
export function readDecimal(text: string, min: number, max: number, scale: number): Result<number> {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) return fail(`invalid number '${text}'`);
  const n = Number(text);
  if (n < min || n > max) return fail(`number '${text}' is outside the range ${min}..${max}`);
  return ok(Math.round(n * scale));
}

const TRUE_WORDS = new Set(['on', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', 'no']);
/** keepalived's optional boolean: absent = true; on|off|true|false|yes|no. */
export function readBool(text: string | undefined): Result<boolean> {
  if (text === undefined) return ok(true);
  const t = text.toLowerCase();
  if (TRUE_WORDS.has(t)) return ok(true);
  if (FALSE_WORDS.has(t)) return ok(false);
  return fail(`invalid boolean '${text}' (use on|off|true|false|yes|no)`);
}

export function ipFamily(text: string): AddressFamily | undefined {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return undefined;
}

export interface Prefix {
  readonly address: string;
  readonly family: AddressFamily;
  readonly prefixLen: number;
  readonly hasLen: boolean;
}

/** `ADDR` or `ADDR/LEN` (IPv4 or IPv6). */
export function readPrefix(text: string): Result<Prefix> {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const family = ipFamily(addr);
  if (family === undefined) return fail(`invalid IP address '${text}'`);
  const max = family === 4 ? 32 : 128;
  if (slash < 0) return ok({ address: addr, family, prefixLen: max, hasLen: false });
  const len = text.slice(slash + 1);
  if (!/^\d+$/.test(len) || Number(len) > max) return fail(`invalid prefix length in '${text}' (0..${max})`);
  return ok({ address: addr, family, prefixLen: Number(len), hasLen: true });
}

/**
 * Splits a script command into argv like keepalived: whitespace separates words, single or
 * double quotes group them (keepalived.conf(5) "SCRIPTS").
 */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (const ch of command) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has || cur !== '') out.push(cur);
  return out;
}

export function makeScript(command: string, pos: SourcePos, user?: string, group?: string): ScriptSpec {
  return {
    command,
    argv: splitCommand(command),
    ...(user !== undefined ? { user } : {}),
    ...(group !== undefined ? { group } : {}),
    pos,
  };
}
