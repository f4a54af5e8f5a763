/**
 * Sequence and list blocks (keepalived.conf(5) "Sequence blocks", "List blocks").
 *
 *   ~SEQ(var, end) | ~SEQ(var, start, end) | ~SEQ(var, start, step, end)   rest of line
 *   ~SEQx(...)                                   the same, values formatted in hexadecimal
 *   ~LST(var, v1, v2, ...) | ~LST({a, b}, {1, 2}, {3, 4})                 rest of line
 *
 * The rest of the line is read once per value with the variable(s) defined. Numbers are read like
 * strtol(…, 0): `0x` is hex and a leading `0` is octal. With one number, start is 1 (or -1 for a
 * negative end) and step ±1 towards end (keepalived's add_seq()).
 */

export interface Repeat {
  /** Variable names set on each iteration (one for ~SEQ). */
  readonly vars: readonly string[];
  /** One tuple of values per iteration. */
  readonly values: readonly (readonly string[])[];
  /** The text after the closing `)`, read once per iteration. */
  readonly rest: string;
}

export type RepeatParse = { ok: true; repeat: Repeat } | { ok: false; reason: string };

/** Upper bound on iterations of one ~SEQ (keepalived has none; 65024 instances is a documented use). */
export const MAX_SEQ_ITERATIONS = 1_000_000;

export function isRepeatLine(text: string): boolean {
  return text.startsWith('~SEQ') || text.startsWith('~LST');
}

/** Parse a line starting `~SEQ`, `~SEQx` or `~LST` (parameters in it already substituted). */
export function parseRepeat(text: string): RepeatParse {
  const lst = text.startsWith('~LST');
  let i = 4;
  const hex = !lst && text[i] === 'x';
  if (hex) i++;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (text[i] !== '(') return { ok: false, reason: `expected '(' after ${lst ? '~LST' : '~SEQ'}` };
  const close = findClose(text, i);
  if (close === -1) return { ok: false, reason: "missing ')'" };
  const inner = text.slice(i + 1, close);
  const rest = text.slice(close + 1).replace(/^[ \t]+/, '');
  return lst ? parseList(inner, rest) : parseSeq(inner, rest, hex);
}

/** Index of the `)` matching the `(` at `open`, skipping `{...}` groups. */
function findClose(text: string, open: number): number {
  let depth = 0;
  for (let k = open + 1; k < text.length; k++) {
    const c = text[k];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ')' && depth <= 0) return k;
  }
  return -1;
}

const VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseSeq(inner: string, rest: string, hex: boolean): RepeatParse {
  const parts = inner.split(',').map((s) => s.trim());
  const v = parts[0] ?? '';
  if (!VAR.test(v)) return { ok: false, reason: `invalid ~SEQ variable '${v}'` };
  const nums: number[] = [];
  for (const p of parts.slice(1)) {
    const n = parseCLong(p);
    if (n === undefined) return { ok: false, reason: `invalid ~SEQ number '${p}'` };
    nums.push(n);
  }
  let start: number;
  let step: number;
  let end: number;
  if (nums.length === 1) {
    end = nums[0] as number;
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else if (nums.length === 2) {
    start = nums[0] as number;
    end = nums[1] as number;
    step = start <= end ? 1 : -1;
  } else if (nums.length === 3) {
    [start, step, end] = nums as [number, number, number];
    if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) {
      return { ok: false, reason: `invalid ~SEQ values (${start}, ${step}, ${end})` };
    }
  } else {
    return { ok: false, reason: '~SEQ takes 1 to 3 numbers after the variable' };
  }
  if (hex && (start < 0 || end < 0)) return { ok: false, reason: '~SEQx is only valid for positive numbers' };
  const count = Math.floor((end - start) / step) + 1;
  if (count > MAX_SEQ_ITERATIONS) return { ok: false, reason: `~SEQ of ${count} iterations is too long` };
  const values: string[][] = [];
  for (let x = start; step > 0 ? x <= end : x >= end; x += step) {
    values.push([hex ? x.toString(16) : String(x)]);
  }
  return { ok: true, repeat: { vars: [v], values, rest } };
}

/** strtol(s, &end, 0) requiring the whole (trimmed) string to be the number. */
export function parseCLong(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2] as string;
  let n: number;
  if (/^0[xX]/.test(body)) n = Number.parseInt(body.slice(2), 16);
  else if (body.length > 1 && body.startsWith('0')) n = Number.parseInt(body.slice(1), 8);
  else n = Number.parseInt(body, 10);
  return m[1] === '-' ? -n : n;
}

function parseList(inner: string, rest: string): RepeatParse {
  const items = splitTopLevel(inner);
  const head = items[0];
  if (head === undefined) return { ok: false, reason: '~LST needs a variable' };
  const vars = unbrace(head);
  if (vars.length === 0 || !vars.every((v) => VAR.test(v))) {
    return { ok: false, reason: `invalid ~LST variable '${head}'` };
  }
  const values: string[][] = [];
  for (const item of items.slice(1)) {
    const vals = vars.length > 1 || item.startsWith('{') ? unbrace(item) : [item];
    if (vals.length !== vars.length) {
      return { ok: false, reason: `~LST value '${item}' does not have ${vars.length} element(s)` };
    }
    values.push(vals);
  }
  if (values.length === 0) return { ok: false, reason: '~LST needs at least one value' };
  return { ok: true, repeat: { vars, values, rest } };
}

/** Split on commas that are not inside `{...}`, trimming each item. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '{') depth++;
    else if (c === '}') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

function unbrace(item: string): string[] {
  const t = item.trim();
  if (t.startsWith('{') && t.endsWith('}'))
    return t
      .slice(1, -1)
      .split(',')
      .map((x) => x.trim());
  return [t];
}
