/**
 * Parameter definitions and substitution (keepalived.conf(5) "Parameter substitution").
 *
 * - `$NAME=VALUE` at the start of a line defines NAME (no space before `=`); a value ending in `\`
 *   continues on the following lines (a multi-line definition).
 * - `$NAME` followed by a blank, `,`, `)` or the end of the line, and `${NAME}` anywhere, are
 *   replaced by the value. Replacement is recursive and happens at use time, so a value may use
 *   parameters defined later. An undefined parameter is left as written.
 * - A multi-line definition is only replaced when its use ends the line; its further lines are
 *   then read as if they followed that line.
 * - Predefined: `_PWD` (directory of the current file), `_INSTANCE` (the config id),
 *   `_RANDOM [MIN [MAX]]`, `_HASH` (`#`) and `_BANG` (`!`).
 *
 * Unlike keepalived (which loops until its line buffer overflows), a definition that refers to
 * itself, directly or through others, is reported with the chain and left unexpanded.
 */
import type { SourcePos } from '../diagnostics.js';

export interface Definition {
  readonly name: string;
  /** Lines of the value; a single-line definition has exactly one. */
  lines: string[];
  multiline: boolean;
  readonly pos: SourcePos;
  /** Predefined parameters compute their value at each use. */
  readonly compute?: (params: readonly number[]) => string;
}

export interface ParamEnv {
  /** Directory of the file being read, for `${_PWD}`. */
  readonly pwd: () => string;
  readonly configId: string;
  /** Uniform random number in [0, 1), for `${_RANDOM}`; injected so parsing stays deterministic in tests. */
  readonly random: () => number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
/** `$NAME=` at the start of a (left-trimmed) line. */
const DEFINITION = /^\$([A-Za-z_][A-Za-z0-9_]*)=[ \t]*/;

export class ParamTable {
  private readonly defs = new Map<string, Definition>();

  constructor(env: ParamEnv) {
    const builtin = (name: string, compute: (p: readonly number[]) => string): void => {
      this.defs.set(name, {
        name,
        lines: [''],
        multiline: false,
        pos: { file: '<builtin>', line: 0, column: 0 },
        compute,
      });
    };
    builtin('_PWD', () => env.pwd());
    builtin('_INSTANCE', () => env.configId);
    builtin('_RANDOM', (p) => {
      const min = p[0] ?? 0;
      const max = p[1] ?? 32767;
      if (max < min) return String(min);
      return String(min + Math.floor(env.random() * (max - min + 1)));
    });
    builtin('_HASH', () => '#');
    builtin('_BANG', () => '!');
  }

  get(name: string): Definition | undefined {
    return this.defs.get(name);
  }

  /** Define (or redefine, including a predefined name) a single-line parameter. */
  set(name: string, value: string, pos: SourcePos): Definition {
    const d: Definition = { name, lines: [value], multiline: false, pos };
    this.defs.set(name, d);
    return d;
  }

  /**
   * If `text` (left-trimmed) is a definition, record it and return it; `continued` says the line
   * ended in `\`, which starts a multi-line definition.
   */
  define(text: string, continued: boolean, pos: SourcePos): Definition | undefined {
    const m = DEFINITION.exec(text);
    if (!m) return undefined;
    const name = m[1] as string;
    const value = text.slice(m[0].length);
    const d: Definition = {
      name,
      lines: value === '' && continued ? [] : [value],
      multiline: continued,
      pos,
    };
    this.defs.set(name, d);
    return d;
  }
}

/** A parameter use found in a text. */
export interface ParamUse {
  readonly start: number;
  readonly end: number;
  readonly name: string;
  readonly braced: boolean;
  readonly params: readonly number[];
}

/** Find the next syntactically valid `$NAME` / `${NAME}` / `${NAME 1 2}` at or after `from`. */
export function findParamUse(text: string, from: number): ParamUse | undefined {
  let i = text.indexOf('$', from);
  while (i !== -1) {
    const use = paramUseAt(text, i);
    if (use) return use;
    i = text.indexOf('$', i + 1);
  }
  return undefined;
}

function paramUseAt(text: string, i: number): ParamUse | undefined {
  let k = i + 1;
  const braced = text[k] === '{';
  if (braced) k++;
  if (!NAME_START.test(text[k] ?? '')) return undefined;
  const nameStart = k;
  while (k < text.length && NAME_CHAR.test(text[k] as string)) k++;
  const name = text.slice(nameStart, k);
  if (braced) {
    // `${_RANDOM 1 10}`: digits and spaces, not ending in a space.
    const close = text.indexOf('}', k);
    if (close === -1) return undefined;
    const inner = text.slice(k, close);
    if (inner !== '' && !/^ [0-9 ]*[0-9]$/.test(inner)) return undefined;
    const params = inner.trim() === '' ? [] : inner.trim().split(/ +/).map(Number);
    return { start: i, end: close + 1, name, braced, params };
  }
  const next = text[k];
  if (next !== undefined && next !== ' ' && next !== '\t' && next !== ',' && next !== ')') return undefined;
  return { start: i, end: k, name, braced, params: [] };
}

export interface Piece {
  readonly text: string;
  /** Index in the original text the piece comes from, or -1 when it is substituted text. */
  readonly from: number;
  /** For substituted text: index of the `$` of the outermost use. */
  readonly use: number;
}

export interface SubstituteResult {
  readonly pieces: Piece[];
  readonly changed: boolean;
  /** Lines after the first of a multi-line definition used at the end of the text. */
  readonly moreLines?: readonly string[];
  /** The multi-line parameter that supplied `moreLines`, and the index of its `$`. */
  readonly multiline?: { readonly name: string; readonly use: number };
  /** Substitution stopped at a value starting with `~` (a ~SEQ/~LST kept in a parameter). */
  readonly stoppedAtTilde: boolean;
  /** The parameter whose value starts with `~`, when `stoppedAtTilde`. */
  readonly tildeName?: string;
  readonly cycles: readonly string[][];
  /** The expansion grew beyond limits (exponential definitions); the rest was left unexpanded. */
  readonly overflow: boolean;
}

const MAX_VALUE_LENGTH = 1 << 20;
const MAX_EXPANSIONS = 100_000;
/** Parameters whose values use parameters, nested deeper than this, are not expanded further. */
const MAX_NESTING = 500;

/**
 * Replace parameter uses in `text`. Values are expanded recursively; a name already being
 * expanded is a cycle: it is recorded (with its chain) and left as written.
 */
export function substitute(text: string, table: ParamTable): SubstituteResult {
  const pieces: Piece[] = [];
  const cycles: string[][] = [];
  let changed = false;
  let moreLines: string[] | undefined;
  let multiline: { name: string; use: number } | undefined;
  let stoppedAtTilde = false;
  let tildeName: string | undefined;
  const budget = { steps: MAX_EXPANSIONS, overflow: false };
  let pos = 0; // end of the text already copied into pieces
  let scan = 0; // where to look for the next use
  for (let use = findParamUse(text, 0); use; use = findParamUse(text, scan)) {
    const def = table.get(use.name);
    const atEnd = use.end === text.length;
    if (!def || (def.multiline && !atEnd) || (use.params.length > 0 && !def.compute)) {
      scan = use.start + 1;
      continue;
    }
    if (use.start > pos) pieces.push({ text: text.slice(pos, use.start), from: pos, use: -1 });
    changed = true;
    const first = def.compute ? def.compute(use.params) : (def.lines[0] ?? '');
    if (def.multiline) {
      moreLines = def.lines.slice(1);
      multiline = { name: use.name, use: use.start };
    }
    pos = scan = use.end;
    if (first.trimStart().startsWith('~')) {
      // keepalived stops substituting here so the ~SEQ/~LST sees its own variable unexpanded.
      pieces.push({ text: first, from: -1, use: use.start });
      stoppedAtTilde = true;
      tildeName = use.name;
      break;
    }
    pieces.push({ text: expandValue(first, table, [use.name], cycles, budget), from: -1, use: use.start });
  }
  if (pos < text.length) pieces.push({ text: text.slice(pos), from: pos, use: -1 });
  const r: SubstituteResult = { pieces, changed, stoppedAtTilde, cycles, overflow: budget.overflow };
  const withTilde = tildeName ? { ...r, tildeName } : r;
  return moreLines && multiline ? { ...withTilde, moreLines, multiline } : withTilde;
}

interface Budget {
  steps: number;
  overflow: boolean;
}

function expandValue(
  value: string,
  table: ParamTable,
  chain: string[],
  cycles: string[][],
  budget: Budget,
): string {
  let out = '';
  let pos = 0;
  for (let use = findParamUse(value, 0); use; use = findParamUse(value, pos)) {
    const def = table.get(use.name);
    if (!def || def.multiline || (use.params.length > 0 && !def.compute)) {
      out += value.slice(pos, use.end);
      pos = use.end;
      continue;
    }
    out += value.slice(pos, use.start);
    pos = use.end;
    if (chain.includes(use.name)) {
      cycles.push([...chain, use.name]);
      out += value.slice(use.start, use.end);
      continue;
    }
    if (--budget.steps < 0 || out.length > MAX_VALUE_LENGTH || chain.length >= MAX_NESTING) {
      budget.overflow = true;
      out += value.slice(use.start, use.end);
      continue;
    }
    const v = def.compute ? def.compute(use.params) : (def.lines[0] ?? '');
    out += expandValue(v, table, [...chain, use.name], cycles, budget);
  }
  return out + value.slice(pos);
}
