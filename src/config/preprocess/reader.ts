/**
 * The keepalived.conf preprocessor: turns files into a stream of tokenized logical lines.
 *
 * For each physical line it does what keepalived's read_line() does, in the same order:
 * cut the comment; then, repeatedly until nothing changes, apply an `@id` / `@^id` condition,
 * record a `$NAME=` definition, expand a `~SEQ` / `~LST` line, or substitute parameters. The
 * resulting line is split into words; `include PATTERN` lines are replaced by the files they name.
 * Includes are resolved relative to the including file's directory (keepalived chdir()s there).
 *
 * Everything here is pure: files come from the injected ConfigSource, randomness from ParamEnv.
 */
import { posix } from 'node:path';
import { DiagnosticSink, type SourcePos } from '../diagnostics.js';
import { columnsOf, type LexWord, type LineText, posAt, stripComment, tokenizeLine } from '../lexer.js';
import type { ConfigSource } from '../tree.js';
import { expandBraces, hasWildcard } from './glob.js';
import { type Definition, ParamTable, type Piece, substitute } from './params.js';
import { isRepeatLine, parseRepeat } from './repeat.js';

export interface ReaderOptions {
  readonly configId: string;
  readonly source: ConfigSource;
  readonly random: () => number;
}

/** Nesting limit for includes (keepalived has none and recurses until it runs out of file descriptors). */
export const MAX_INCLUDE_DEPTH = 32;
/** Nesting limit for multi-line parameters and ~SEQ/~LST blocks. */
export const MAX_EXPANSION_DEPTH = 64;
/**
 * Upper bound on logical lines read, including those produced by ~SEQ/~LST and multi-line
 * parameters: keepalived.conf(5)'s largest example (65024 vrrp instances) needs about 1M.
 */
export const MAX_GENERATED_LINES = 1_500_000;
/** Rounds of re-substitution on one line (a value that produces `@` or `$` again). */
const MAX_ROUNDS = 64;
/** Quick filter for lines that may be `include`-like (see INCLUDE_VARIANTS). */
const INCLUDE_LINE = /^[ \t]*include[a-z]?[ \t]/;

/**
 * Include keyword variants (keepalived.conf(5)): which missing/unreadable cases are errors.
 * Plain `include` never fails the config, but we still warn about a named file that is missing.
 */
interface IncludeChecks {
  readonly readable: boolean;
  readonly match: boolean;
  readonly wildcardMatch: boolean;
  readonly braceMatch: boolean;
}
const NO_CHECKS: IncludeChecks = { readable: false, match: false, wildcardMatch: false, braceMatch: false };
const INCLUDE_CHECK_OPTIONS: ReadonlyMap<string, keyof IncludeChecks> = new Map([
  ['readable', 'readable'],
  ['match', 'match'],
  ['wildcard_match', 'wildcardMatch'],
  ['brace_match', 'braceMatch'],
]);

function unionChecks(a: IncludeChecks, b: IncludeChecks): IncludeChecks {
  return {
    readable: a.readable || b.readable,
    match: a.match || b.match,
    wildcardMatch: a.wildcardMatch || b.wildcardMatch,
    braceMatch: a.braceMatch || b.braceMatch,
  };
}
const INCLUDE_VARIANTS: ReadonlyMap<string, IncludeChecks> = new Map([
  ['include', { readable: false, match: false, wildcardMatch: false, braceMatch: false }],
  ['includer', { readable: true, match: false, wildcardMatch: false, braceMatch: false }],
  ['includem', { readable: true, match: true, wildcardMatch: false, braceMatch: false }],
  ['includew', { readable: true, match: true, wildcardMatch: true, braceMatch: false }],
  ['includeb', { readable: true, match: false, wildcardMatch: false, braceMatch: true }],
  ['includea', { readable: true, match: true, wildcardMatch: true, braceMatch: true }],
]);

/** processLine() results other than a definition. */
const DROPPED = 'dropped';
const SKIPPED_DEFINITION = 'skipped-definition';
type LineOutcome = typeof DROPPED | typeof SKIPPED_DEFINITION;
const DEFINITION_START = /^\$[A-Za-z_][A-Za-z0-9_]*=/;

export class Preprocessor {
  /** Every file read, in the order first read (a file included twice is listed once). */
  readonly files: string[] = [];
  private readonly params: ParamTable;
  private readonly fileStack: string[] = [];
  private readonly includeStack: SourcePos[] = [];
  private readonly spaceWarned = new Set<string>();
  /**
   * The `include_check` level (global_defs keyword, applied while reading as keepalived does):
   * saved when an included file is opened and restored when it is closed.
   */
  private includeChecks: IncludeChecks = NO_CHECKS;
  private generated = 0;
  private readonly expansionReported = new Set<string>();
  private overflowReported = false;

  constructor(
    private readonly opts: ReaderOptions,
    private readonly sink: DiagnosticSink,
    private readonly emit: (words: LexWord[]) => void,
  ) {
    this.params = new ParamTable({
      pwd: () => posix.resolve(posix.dirname(this.fileStack.at(-1) ?? '.')),
      configId: opts.configId,
      random: opts.random,
    });
  }

  /** Read the main config file; an unreadable one is a `class: 'file'` error. */
  readMain(path: string): void {
    if (hasWildcard(path)) {
      // keepalived -f accepts a pattern and reads the first match (check_conf_file()).
      const matches = this.opts.source.glob(path);
      const first = matches[0];
      if (first === undefined) {
        this.sink.error({ file: path, line: 1, column: 1 }, 'no configuration file matches this pattern', {
          class: 'file',
          code: 'file-unreadable',
        });
        return;
      }
      if (matches.length > 1) {
        this.sink.warning({ file: path, line: 1, column: 1 }, `more than one file matches; using ${first}`, {
          code: 'multiple-config-files',
        });
      }
      path = first;
    }
    const text = this.opts.source.readFile(path);
    if (text instanceof Error) {
      this.sink.error({ file: path, line: 1, column: 1 }, `cannot read configuration file: ${text.message}`, {
        class: 'file',
        code: 'file-unreadable',
      });
      return;
    }
    this.readText(path, text);
  }

  /** Read already-loaded text as if it were the file `path`. */
  readText(path: string, text: string): void {
    if (!this.files.includes(path)) this.files.push(path);
    this.fileStack.push(posix.normalize(path));
    const savedChecks = this.includeChecks;
    try {
      this.readLines(path, text);
    } finally {
      this.fileStack.pop();
      this.includeChecks = savedChecks;
    }
  }

  private readLines(file: string, text: string): void {
    const lines = text.split('\n');
    // A final newline does not start another line.
    if (lines.length > 1 && lines.at(-1) === '') lines.pop();
    let collecting: Definition | undefined;
    for (let idx = 0; idx < lines.length; idx++) {
      let raw = lines[idx] as string;
      if (raw.endsWith('\r')) raw = raw.slice(0, -1);
      const line: LineText = { text: raw, file, line: idx + 1 };
      if (collecting) {
        // keepalived ends a multi-line definition at an empty line or a line without `\`.
        if (raw === '') {
          collecting = finishDefinition(collecting);
          continue;
        }
        const dc = stripComment(line, this.sink);
        const body = dc.text.replace(/^[ \t]+/, '');
        // Blank-looking and comment-only lines are skipped (keepalived 2.2.7 `-t` behaviour).
        if (body === '' && !dc.continued) continue;
        if (body !== '') collecting.lines.push(body);
        if (!dc.continued) collecting = finishDefinition(collecting);
        continue;
      }
      if (raw.trim() === '') continue;
      const dc = stripComment(line, this.sink);
      if (dc.text.trim() === '') continue;
      const out = this.processLine({ ...line, text: dc.text }, dc.continued, 0, []);
      if (out === SKIPPED_DEFINITION) {
        // Deviation: keepalived drops only the first line of a multi-line definition whose
        // condition does not match, then reads its continuation lines as configuration.
        if (dc.continued) collecting = { name: '', lines: [], multiline: true, pos: posAt(line, 0) };
      } else if (typeof out === 'object' && out.multiline) {
        collecting = out;
      } else if (dc.continued && out === undefined) {
        this.sink.warning(
          posAt(line, raw.replace(/[ \t]+$/, '').length - 1),
          "a trailing '\\' only continues $NAME= definitions; ignored",
          { code: 'stray-continuation' },
        );
      }
    }
    if (collecting) finishDefinition(collecting);
  }

  /**
   * Run one logical line through conditions, definitions, repeats and substitution, then emit it.
   * Returns the definition if the line was a `$NAME=` line (so the caller can continue a
   * multi-line one).
   */
  private processLine(
    l: LineText,
    continued: boolean,
    depth: number,
    outerChain: readonly string[],
  ): Definition | LineOutcome | undefined {
    // Parameters being expanded around this line (multi-line ones and ~SEQ/~LST kept in one).
    let chain = outerChain;
    if (++this.generated > MAX_GENERATED_LINES) {
      if (!this.overflowReported) {
        this.overflowReported = true;
        this.sink.error(
          posAt(l, 0),
          `configuration expands to more than ${MAX_GENERATED_LINES} lines; stopped`,
          {
            code: 'expansion-limit',
          },
        );
      }
      return undefined;
    }
    let cur = l;
    let pending: { lines: readonly string[]; name: string; pos: SourcePos }[] = [];
    let round = 0;
    for (;;) {
      if (++round > MAX_ROUNDS) {
        this.sink.error(
          posAt(cur, 0),
          'parameter substitution keeps producing new substitutions; line ignored',
          {
            code: 'param-loop',
          },
        );
        return undefined;
      }
      let s = leadIndex(cur.text);
      if (s >= cur.text.length) return undefined;
      if (cur.text[s] === '@') {
        const rev = cur.text[s + 1] === '^';
        const idStart = s + (rev ? 2 : 1);
        const ws = cur.text.slice(idStart).search(/[ \t]/);
        if (ws === -1) {
          this.sink.warning(posAt(cur, s), 'conditional line has nothing after its config id; ignored', {
            code: 'conditional-empty',
          });
          return undefined;
        }
        const id = cur.text.slice(idStart, idStart + ws);
        if ((id === this.opts.configId) === rev) {
          const rest = cur.text.slice(idStart + ws).trimStart();
          return DEFINITION_START.test(rest) ? SKIPPED_DEFINITION : DROPPED;
        }
        cur = sliceLine(cur, idStart + ws + leadIndex(cur.text.slice(idStart + ws)));
        s = 0;
      }
      const t = cur.text.slice(s);
      if (t.startsWith('$')) {
        const def = this.params.define(t, continued, posAt(cur, s));
        if (def) return def;
      }
      if (isRepeatLine(t)) {
        this.expandRepeat(cur, s, depth, chain);
        return undefined;
      }
      if (t.startsWith('~') || !t.includes('$')) break;
      const sub = substitute(cur.text, this.params);
      for (const c of sub.cycles) {
        this.sink.error(posAt(cur, s), `parameter definition loop: ${c.map((n) => `$${n}`).join(' -> ')}`, {
          code: 'param-cycle',
        });
      }
      if (sub.overflow) {
        this.sink.error(
          posAt(cur, s),
          'parameter substitution nests too deeply or grows too large; rest left unexpanded',
          {
            code: 'param-overflow',
          },
        );
      }
      if (!sub.changed) break;
      // After a loop or overflow the text keeps its unexpanded `$`: do not go round again.
      const settled = sub.cycles.length > 0 || sub.overflow;
      if (sub.moreLines && sub.multiline) {
        pending = [
          { lines: sub.moreLines, name: sub.multiline.name, pos: posAt(cur, sub.multiline.use) },
          ...pending,
        ];
      }
      cur = rebuild(cur, sub.pieces);
      if (sub.tildeName) {
        if (chain.includes(sub.tildeName)) {
          this.reportExpansion(
            posAt(cur, s),
            `parameter expands into itself: ${[...chain, sub.tildeName].map((n) => `$${n}`).join(' -> ')}`,
          );
          return undefined;
        }
        chain = [...chain, sub.tildeName];
      }
      if (settled || !(sub.stoppedAtTilde || cur.text.trimStart().startsWith('@') || cur.text.includes('$')))
        break;
    }
    this.emitLine(cur);
    for (const p of pending) {
      if (chain.includes(p.name) || depth >= MAX_EXPANSION_DEPTH) {
        this.reportExpansion(
          p.pos,
          chain.includes(p.name)
            ? `multi-line parameter expands into itself: ${[...chain, p.name].map((n) => `$${n}`).join(' -> ')}`
            : `multi-line parameters nested more than ${MAX_EXPANSION_DEPTH} deep`,
        );
        continue;
      }
      for (const text of p.lines) {
        this.processLine(
          { text, file: p.pos.file, line: p.pos.line, fixedCol: p.pos.column },
          false,
          depth + 1,
          [...chain, p.name],
        );
      }
    }
    return undefined;
  }

  /** Expansion loops are reported once per position: ~SEQ would otherwise repeat them. */
  private reportExpansion(pos: SourcePos, message: string): void {
    const key = `${pos.file}:${pos.line}:${pos.column}:${message}`;
    if (this.expansionReported.has(key)) return;
    this.expansionReported.add(key);
    this.sink.error(pos, message, { code: 'param-cycle' });
  }

  private expandRepeat(cur: LineText, s: number, depth: number, chain: readonly string[]): void {
    const t = cur.text.slice(s);
    const close = t.indexOf(')');
    if (close === -1) {
      this.sink.error(posAt(cur, s), `invalid ${t.slice(0, 4)} specification: missing ')'`, {
        code: 'invalid-repeat',
      });
      return;
    }
    // keepalived substitutes parameters inside the parentheses only.
    const head = substitute(t.slice(0, close + 1), this.params);
    const headText = head.pieces.map((p) => p.text).join('');
    const parsed = parseRepeat(headText);
    if (!parsed.ok) {
      this.sink.error(posAt(cur, s), `invalid ${t.slice(0, 4)} specification: ${parsed.reason}`, {
        code: 'invalid-repeat',
      });
      return;
    }
    if (depth >= MAX_EXPANSION_DEPTH) {
      this.reportExpansion(posAt(cur, s), `~SEQ/~LST nested more than ${MAX_EXPANSION_DEPTH} deep`);
      return;
    }
    const restIdx = s + close + 1 + leadIndex(t.slice(close + 1));
    const rest = sliceLine(cur, restIdx);
    const defPos = posAt(cur, s);
    for (const tuple of parsed.repeat.values) {
      parsed.repeat.vars.forEach((v, k) => {
        this.params.set(v, tuple[k] ?? '', defPos);
      });
      this.processLine(rest, false, depth + 1, chain);
      if (this.generated > MAX_GENERATED_LINES) return;
    }
  }

  private emitLine(l: LineText): void {
    if (INCLUDE_LINE.test(l.text)) {
      const plain = tokenizeLine(l, {
        sink: new DiagnosticSink(),
        spaceWarned: new Set(),
        bracesAsText: true,
      });
      const [kw, arg] = plain;
      const checks = kw && !kw.quoted ? INCLUDE_VARIANTS.get(kw.text) : undefined;
      if (checks && arg && plain.length === 2) {
        this.include(kw as LexWord, arg, unionChecks(this.includeChecks, checks));
        return;
      }
    }
    const words = tokenizeLine(l, { sink: this.sink, spaceWarned: this.spaceWarned });
    if (words.length === 0) return;
    if (words[0]?.text === 'include_check' && !words[0].quoted) this.setIncludeChecks(words.slice(1));
    this.emit(words);
  }

  /** `include_check [[+|-]OPTION ...]`: no option means all; `+`/`-` adjust the current level. */
  private setIncludeChecks(args: readonly LexWord[]): void {
    const opts = args.filter((a) => !a.brace);
    if (opts.length === 0) {
      this.includeChecks = { readable: true, match: true, wildcardMatch: true, braceMatch: true };
      return;
    }
    const relative = opts.some((a) => a.text.startsWith('+') || a.text.startsWith('-'));
    const next: Record<keyof IncludeChecks, boolean> = relative
      ? { ...this.includeChecks }
      : { ...NO_CHECKS };
    let add = true;
    for (const a of opts) {
      let name = a.text;
      if (name.startsWith('+') || name.startsWith('-')) {
        add = name.startsWith('+');
        name = name.slice(1);
        if (name === '') continue;
      }
      const key = INCLUDE_CHECK_OPTIONS.get(name);
      if (!key) {
        this.sink.warning(a.pos, `unknown include_check option '${a.text}'`, {
          code: 'include-check-option',
        });
        continue;
      }
      next[key] = add;
      // match, wildcard_match and brace_match include the readable check.
      if (add && key !== 'readable') next.readable = true;
    }
    this.includeChecks = next;
  }

  private include(kw: LexWord, arg: LexWord, checks: IncludeChecks): void {
    if (this.fileStack.length > MAX_INCLUDE_DEPTH) {
      this.sink.error(kw.pos, `includes nested more than ${MAX_INCLUDE_DEPTH} deep; '${arg.text}' not read`, {
        code: 'include-depth',
      });
      return;
    }
    const here = this.fileStack.at(-1) ?? '.';
    const pattern = arg.text.startsWith('/') ? arg.text : posix.join(posix.dirname(here), arg.text);
    const alternatives = expandBraces(pattern);
    const report = (isError: boolean, message: string, code: string): void => {
      if (isError) this.sink.error(arg.pos, message, { code });
      else this.sink.warning(arg.pos, message, { code });
    };
    for (const alt of alternatives) {
      const matches = this.opts.source.glob(alt);
      if (matches.length === 0) {
        if (hasWildcard(alt)) {
          // keepalived: a pattern matching nothing is fine unless wildcard_match is checked.
          if (checks.wildcardMatch)
            report(true, `no file matches include pattern '${alt}'`, 'include-nomatch');
        } else {
          const isError = checks.match || (checks.braceMatch && alternatives.length > 1);
          report(isError, `included file '${alt}' not found`, 'include-missing');
        }
        continue;
      }
      for (const m of matches) this.includeFile(m, kw, arg, checks, report);
    }
  }

  private includeFile(
    path: string,
    kw: LexWord,
    arg: LexWord,
    checks: IncludeChecks,
    report: (isError: boolean, message: string, code: string) => void,
  ): void {
    const norm = posix.normalize(path);
    const at = this.fileStack.indexOf(norm);
    if (at !== -1) {
      const loop = [...this.fileStack.slice(at), norm].join(' -> ');
      this.sink.error(arg.pos, `include cycle: ${loop}; not followed`, {
        code: 'include-cycle',
        related: this.includeStack.slice(at).map((pos) => ({ pos, message: 'included from here' })),
      });
      return;
    }
    const text = this.opts.source.readFile(path);
    if (text instanceof Error) {
      report(checks.readable, `cannot read included file '${path}': ${text.message}`, 'include-unreadable');
      return;
    }
    this.includeStack.push(kw.pos);
    try {
      this.readText(path, text);
    } finally {
      this.includeStack.pop();
    }
  }
}

function finishDefinition(d: Definition): undefined {
  if (d.lines.length === 0) {
    d.lines = [''];
    d.multiline = false;
  }
  return undefined;
}

/** Index of the first character that is not a space or tab. */
function leadIndex(text: string): number {
  let i = 0;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return i;
}

/** The line from UTF-16 index `from` on, keeping every character's column. */
function sliceLine(l: LineText, from: number): LineText {
  if (l.fixedCol !== undefined) return { ...l, text: l.text.slice(from) };
  return { text: l.text.slice(from), file: l.file, line: l.line, cols: columnsOf(l).slice(from) };
}

/** Join substitution pieces, giving substituted text the column of its `$`. */
function rebuild(l: LineText, pieces: readonly Piece[]): LineText {
  const text = pieces.map((p) => p.text).join('');
  if (l.fixedCol !== undefined) return { text, file: l.file, line: l.line, fixedCol: l.fixedCol };
  const src = columnsOf(l);
  const cols: number[] = [];
  for (const p of pieces) {
    if (p.from >= 0) for (let k = 0; k < p.text.length; k++) cols.push(src[p.from + k] ?? 1);
    else {
      const c = src[p.use] ?? 1;
      for (let k = 0; k < p.text.length; k++) cols.push(c);
    }
  }
  const last = pieces.at(-1);
  cols.push(last && last.from >= 0 ? (src[last.from + last.text.length] ?? 1) : (cols.at(-1) ?? 1));
  return { text, file: l.file, line: l.line, cols };
}
