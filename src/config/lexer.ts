/**
 * The keepalived.conf lexer: comment removal and word splitting for one logical line.
 *
 * keepalived (lib/parser.c) works line by line: `decomment()` cuts a line at the first `#` or `!`
 * outside quotes, then parameter substitution runs on what is left, and finally the line is split
 * into words, with `{` and `}` acting as line breaks wherever they appear outside quotes.
 * We mirror that split: {@link stripComment} runs on the raw text, {@link tokenizeLine} on the
 * substituted text. Both are pure; problems go to the injected {@link DiagnosticSink}.
 */
import type { DiagnosticSink, SourcePos } from './diagnostics.js';

/** One line of text together with where its characters came from. */
export interface LineText {
  readonly text: string;
  readonly file: string;
  readonly line: number;
  /**
   * Column of each UTF-16 index of `text` (length `text.length + 1`), present once parameter
   * substitution has moved text around. Absent: columns are counted in code points of `text`.
   */
  readonly cols?: readonly number[];
  /** Every character is reported at this column (lines replayed from a multi-line definition). */
  readonly fixedCol?: number;
}

/** A word of a line, or a `{` / `}` separator. */
export interface LexWord {
  /** The word after quote removal and escape processing. */
  readonly text: string;
  /** The word as written (after substitution), quotes and escapes included. */
  readonly raw: string;
  readonly pos: SourcePos;
  readonly quoted: boolean;
  /** Set for an unquoted `{` or `}`. */
  readonly brace?: '{' | '}';
}

/** keepalived's WHITE_SPACE set (" \t\f\n\r\v"). */
const ASCII_SPACE = new Set([' ', '\t', '\f', '\n', '\r', '\v']);

/**
 * Unicode spaces keepalived does not know (it sees them as word characters, so `150\u00a0` is not a
 * number). Configs pasted from web pages and word processors are full of them; we treat them as
 * spaces and warn once per line.
 */
const UNICODE_SPACE_NAMES: ReadonlyMap<string, string> = new Map([
  ['\u00a0', 'non-breaking space (U+00A0)'],
  ['\u1680', 'Ogham space mark (U+1680)'],
  ['\u2000', 'en quad (U+2000)'],
  ['\u2001', 'em quad (U+2001)'],
  ['\u2002', 'en space (U+2002)'],
  ['\u2003', 'em space (U+2003)'],
  ['\u2004', 'three-per-em space (U+2004)'],
  ['\u2005', 'four-per-em space (U+2005)'],
  ['\u2006', 'six-per-em space (U+2006)'],
  ['\u2007', 'figure space (U+2007)'],
  ['\u2008', 'punctuation space (U+2008)'],
  ['\u2009', 'thin space (U+2009)'],
  ['\u200a', 'hair space (U+200A)'],
  ['\u200b', 'zero-width space (U+200B)'],
  ['\u2028', 'line separator (U+2028)'],
  ['\u2029', 'paragraph separator (U+2029)'],
  ['\u202f', 'narrow no-break space (U+202F)'],
  ['\u205f', 'medium mathematical space (U+205F)'],
  ['\u3000', 'ideographic space (U+3000)'],
  ['\ufeff', 'byte order mark (U+FEFF)'],
]);

export function isUnicodeSpace(ch: string): boolean {
  return UNICODE_SPACE_NAMES.has(ch);
}

function isSpace(ch: string): boolean {
  return ASCII_SPACE.has(ch) || UNICODE_SPACE_NAMES.has(ch);
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** 1-based column (in code points) of UTF-16 index `i` of `l.text`. */
export function columnAt(l: LineText, i: number): number {
  if (l.fixedCol !== undefined) return l.fixedCol;
  if (l.cols) return l.cols[Math.min(i, l.cols.length - 1)] ?? 1;
  return codePointColumn(l.text, i);
}

/** 1-based code point column of UTF-16 index `i` in `text`. */
export function codePointColumn(text: string, i: number): number {
  const head = text.slice(0, i);
  if (ASCII_ONLY.test(head)) return i + 1;
  let n = 0;
  for (let k = 0; k < head.length; k++) {
    const c = head.charCodeAt(k);
    // A high surrogate followed by a low one is a single code point.
    if (c >= 0xd800 && c <= 0xdbff && k + 1 < head.length) {
      const d = head.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) k++;
    }
    n++;
  }
  return n + 1;
}

/** Columns of every UTF-16 index of `l.text` (and one past the end), in one pass. */
export function columnsOf(l: LineText): number[] {
  const n = l.text.length;
  if (l.cols) return l.cols.slice(0, n + 1);
  const out: number[] = new Array(n + 1);
  if (l.fixedCol !== undefined) return out.fill(l.fixedCol);
  let col = 1;
  for (let k = 0; k < n; k++) {
    out[k] = col;
    const c = l.text.charCodeAt(k);
    // The low half of a surrogate pair shares its code point's column.
    if (c >= 0xd800 && c <= 0xdbff && k + 1 < n) {
      const d = l.text.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) out[++k] = col;
    }
    col++;
  }
  out[n] = col;
  return out;
}

export function posAt(l: LineText, i: number): SourcePos {
  return { file: l.file, line: l.line, column: columnAt(l, i) };
}

export interface Decommented {
  /** The text before the comment, trailing blanks and a continuation `\` removed. */
  readonly text: string;
  /** The line ended in `\` (outside a comment): a multi-line `$NAME=` definition continues. */
  readonly continued: boolean;
}

/**
 * Cut a physical line at its comment. keepalived's decomment(): `#` and `!` start a comment
 * anywhere outside double quotes; `\#` and `\!` are literal (the escape is removed later by the
 * tokenizer); a `\` ending the line marks a continuation.
 *
 * Deviations (both only affect lines keepalived would reject): a single quote that starts a word
 * protects comment characters up to its closing quote, as double quotes do (an apostrophe inside a
 * word, as in `o'brien`, is an ordinary character); and a word starting with `//` is reported as an
 * error and treated as the start of a comment, so a C-style comment does not cascade.
 */
export function stripComment(l: LineText, sink: DiagnosticSink): Decommented {
  const t = l.text;
  let quote = '';
  let cut = t.length;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i] as string;
    if (ch === '\\') {
      i++;
      continue;
    }
    if (quote) {
      if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || (ch === "'" && (i === 0 || isSpace(t[i - 1] as string) || isBrace(t[i - 1])))) {
      quote = ch;
      continue;
    }
    if (ch === '#' || ch === '!') {
      cut = i;
      break;
    }
    if (ch === '/' && t[i + 1] === '/' && (i === 0 || isSpace(t[i - 1] as string) || isBrace(t[i - 1]))) {
      sink.error(posAt(l, i), '`//` is not a comment in keepalived.conf; use # or !', {
        code: 'slash-comment',
      });
      cut = i;
      break;
    }
  }
  let text = t.slice(0, cut);
  let end = text.length;
  while (end > 0 && isBlank(text[end - 1])) end--;
  text = text.slice(0, end);
  let continued = false;
  // A trailing `\` continues the line unless it is itself escaped (`\\`).
  if (text.endsWith('\\') && cut === t.length && !endsWithEscapedBackslash(text)) {
    continued = true;
    end = text.length - 1;
    while (end > 0 && isBlank(text[end - 1])) end--;
    text = text.slice(0, end);
  }
  return { text, continued };
}

function endsWithEscapedBackslash(text: string): boolean {
  let n = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\\'; i--) n++;
  return n % 2 === 0;
}

/** Trailing blanks trimmed by decomment(); Unicode spaces stay so the tokenizer can warn about them. */
function isBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

function isBrace(ch: string | undefined): boolean {
  return ch === '{' || ch === '}';
}

/** An undefined `${NAME}` (or `${NAME 1 2}`) left in the text: its braces are not block braces. */
const LEFT_PARAM = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?: [0-9 ]*)?\}/;

export interface TokenizeContext {
  readonly sink: DiagnosticSink;
  /** `file:line` keys already warned about Unicode spaces (one warning per line). */
  readonly spaceWarned: Set<string>;
  /**
   * Treat `{` and `}` as ordinary characters. keepalived recognises `include` lines before it
   * splits lines at braces, so `include /etc/{a,b}.conf` keeps its brace pattern.
   */
  readonly bracesAsText?: boolean;
}

/**
 * Split a (comment-free, substituted) line into words and brace separators.
 *
 * Quoting follows keepalived's alloc_strvec_quoted_escaped() (used for scripts): `"` quotes
 * anywhere and is removed (`ab"c d"e` is one word `abc de`); `'` quotes when it starts a word
 * (keepalived's plain word splitter treats `'` as an ordinary character, so `o'brien` must stay
 * one word); backslash escapes
 * (`\n`, `\t`, `\a`, `\b`, `\E`, `\f`, `\r`, `\v`, `\nnn` octal, `\xHH`, `\cC`, `\C`) are
 * processed inside and outside quotes. An unterminated quote is reported at the opening quote
 * and the word ends at the end of the line.
 */
export function tokenizeLine(line: LineText, ctx: TokenizeContext): LexWord[] {
  // Work out columns once, so that long lines stay linear.
  const l: LineText =
    line.cols || line.fixedCol !== undefined || ASCII_ONLY.test(line.text)
      ? line
      : { ...line, cols: columnsOf(line) };
  const t = l.text;
  const out: LexWord[] = [];
  let i = 0;
  const n = t.length;
  while (i < n) {
    const ch = t[i] as string;
    if (isSpace(ch)) {
      if (UNICODE_SPACE_NAMES.has(ch)) warnSpace(l, i, ch, ctx);
      i++;
      continue;
    }
    if ((ch === '{' || ch === '}') && !ctx.bracesAsText) {
      out.push({ text: ch, raw: ch, pos: posAt(l, i), quoted: false, brace: ch });
      i++;
      continue;
    }
    const start = i;
    let text = '';
    let quoted = false;
    while (i < n) {
      const c = t[i] as string;
      if (isSpace(c) || ((c === '{' || c === '}') && !ctx.bracesAsText)) break;
      if (c === '$' && t[i + 1] === '{') {
        const m = LEFT_PARAM.exec(t.slice(i));
        if (m) {
          ctx.sink.warning(
            posAt(l, i),
            `parameter ${m[0]} is not defined; kept as written (keepalived would split it at its braces)`,
            { code: 'undefined-param' },
          );
          text += m[0];
          i += m[0].length;
          continue;
        }
      }
      if (c === '\\') {
        const r = readEscape(t, i + 1);
        text += r.text;
        i = r.next;
        continue;
      }
      if (c === '"' || (c === "'" && i === start)) {
        quoted = true;
        const open = i;
        i++;
        let closed = false;
        while (i < n) {
          const q = t[i] as string;
          if (q === c) {
            closed = true;
            i++;
            break;
          }
          if (q === '\\') {
            const r = readEscape(t, i + 1);
            text += r.text;
            i = r.next;
            continue;
          }
          text += q;
          i++;
        }
        if (!closed) {
          ctx.sink.error(posAt(l, open), `unterminated ${c === '"' ? 'double' : 'single'} quote`, {
            code: 'unterminated-quote',
          });
        }
        continue;
      }
      if (TYPOGRAPHIC_QUOTES.has(c)) warnTypographicQuote(l, i, c, ctx);
      text += c;
      i++;
    }
    out.push({ text, raw: t.slice(start, i), pos: posAt(l, start), quoted });
  }
  return out;
}

function warnSpace(l: LineText, i: number, ch: string, ctx: TokenizeContext): void {
  const key = `${l.file}:${l.line}`;
  if (ctx.spaceWarned.has(key)) return;
  ctx.spaceWarned.add(key);
  ctx.sink.warning(posAt(l, i), `${UNICODE_SPACE_NAMES.get(ch) ?? 'Unicode space'} treated as a space`, {
    code: 'unicode-space',
  });
}

/** Curly quotes from word processors: plain characters to keepalived, almost never meant so. */
const TYPOGRAPHIC_QUOTES = new Set(['\u2018', '\u2019', '\u201c', '\u201d']);

function warnTypographicQuote(l: LineText, i: number, ch: string, ctx: TokenizeContext): void {
  const key = `quote:${l.file}:${l.line}`;
  if (ctx.spaceWarned.has(key)) return;
  ctx.spaceWarned.add(key);
  const code = `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase()}`;
  ctx.sink.warning(
    posAt(l, i),
    `typographic quote ${ch} (${code}) is not a quote in keepalived.conf; use " or '`,
    {
      code: 'typographic-quote',
    },
  );
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

const HEX = /[0-9a-fA-F]/;

/** Decode the escape whose character starts at `i` (just after the `\`). */
function readEscape(t: string, i: number): { text: string; next: number } {
  const c = t[i];
  // A lone `\` at the very end stays a `\` (keepalived rejects the line; we keep the text).
  if (c === undefined) return { text: '\\', next: i };
  if (c === 'x' && HEX.test(t[i + 1] ?? '')) {
    // keepalived takes every following hex digit and keeps the low 8 bits.
    let v = 0;
    let k = i + 1;
    while (k < t.length && HEX.test(t[k] as string)) {
      v = ((v << 4) | Number.parseInt(t[k] as string, 16)) & 0xff;
      k++;
    }
    return { text: String.fromCharCode(v), next: k };
  }
  if (c === 'c' && i + 1 < t.length) {
    return { text: String.fromCharCode((t.codePointAt(i + 1) ?? 0) & 0x1f), next: i + 2 };
  }
  if (c >= '0' && c <= '7') {
    let v = 0;
    let k = i;
    while (k < t.length && k < i + 3 && (t[k] as string) >= '0' && (t[k] as string) <= '7') {
      v = (v << 3) + Number(t[k]);
      k++;
    }
    return { text: String.fromCharCode(v & 0xff), next: k };
  }
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return { text: simple, next: i + 1 };
  // Any other character stands for itself (`\\`, `\"`, `\'`, `\#`, `\{`); keep surrogate pairs whole.
  const cp = t.codePointAt(i) ?? 0;
  const s = String.fromCodePoint(cp);
  return { text: s, next: i + s.length };
}
