/**
 * The generic block reader: walks a block's statements against its keyword table
 * (src/config/schema/), reports unknown keywords with a suggestion, deprecated and
 * not-implemented keywords, reads each value by its kind and fills the model fields.
 * Named blocks (vrrp_instance NAME, real_server IP PORT...) get their arguments read by
 * the finishers in entities.ts.
 */
import type { DiagnosticSink, SourcePos } from '../diagnostics.js';
import { CHECKER_BLOCKS } from '../schema/lvs.js';
import { type BlockSpec, findKeyword, type KeywordSpec } from '../schema/types.js';
import { describeSuggestion, suggestKeyword } from '../suggest.js';
import type { ConfigNode, Token } from '../tree.js';
import { readSpecial } from './specials.js';
import { makeScript, readBool, readDecimal, readInt, readPrefix } from './values.js';

/** Blocks whose keyword is followed by a name or an address. */
const NAMED = new Set([
  'vrrp_script',
  'track_file',
  'vrrp_track_process',
  'vrrp_instance',
  'virtual_server_group',
  'virtual_server',
  'real_server',
]);

/** A block under construction: model fields plus bookkeeping. */
export type Draft = Record<string, unknown> & {
  keyPos: Record<string, SourcePos>;
  unimplemented: Record<string, string[]>;
  pos: SourcePos;
};

export interface BuildContext {
  readonly sink: DiagnosticSink;
  /** Called for each sub-block draft once read, keyed by block name, to read its arguments. */
  readonly finish: (block: BlockSpec, node: ConfigNode, draft: Draft) => Draft | undefined;
}

export function newDraft(pos: SourcePos): Draft {
  return { pos, keyPos: {}, unimplemented: {} };
}

/** Every word of a statement after the keyword, as text. */
export const argTexts = (node: ConfigNode): string[] => node.args.map((t) => t.text);

/** Reads the statements of a block into `draft` following `spec`; defaults are applied at the end. */
export function readBlock(
  nodes: readonly ConfigNode[],
  spec: BlockSpec,
  draft: Draft,
  ctx: BuildContext,
): Draft {
  if (spec.valueLines === true) {
    draft.lines = nodes.map((c) => ({ words: [c.keyword.text, ...argTexts(c)], pos: c.keyword.pos }));
    return draft;
  }
  for (const node of nodes) readStatement(node, spec, draft, ctx);
  applyDefaults(spec, draft);
  return draft;
}

export function applyDefaults(spec: BlockSpec, draft: Draft): void {
  for (const k of spec.keywords) {
    if (k.field !== undefined && k.default !== undefined && draft[k.field] === undefined) {
      draft[k.field] = Array.isArray(k.default) ? [...k.default] : k.default;
    }
  }
}

function readStatement(node: ConfigNode, spec: BlockSpec, draft: Draft, ctx: BuildContext): void {
  const word = node.keyword.text;
  const pos = node.keyword.pos;
  if (word.startsWith('//')) {
    ctx.sink.error(
      pos,
      `'//' is not a comment in keepalived.conf: use # or ! (the rest of this line is ignored)`,
      {
        code: 'slash-comment',
      },
    );
    return;
  }
  let kw = findKeyword(spec, word);
  let glued: Token | undefined;
  if (kw === undefined) {
    const names = spec.keywords.map((k) => k.name);
    const s = suggestKeyword(word, names);
    ctx.sink.error(pos, `unknown keyword '${word}' in ${spec.name}${describeSuggestion(s)}`, {
      code: 'unknown-keyword',
    });
    // Recover when the intent is unambiguous (only case differs, or the argument is glued on), so
    // that the rest of the block is still checked and gets its own suggestions.
    if (s === undefined || (s.keyword.toLowerCase() !== word.toLowerCase() && s.gluedArgument === undefined))
      return;
    kw = findKeyword(spec, s.keyword);
    if (s.gluedArgument !== undefined) {
      glued = {
        text: s.gluedArgument,
        pos: { ...pos, column: pos.column + s.keyword.length },
        quoted: false,
      };
    }
    if (kw === undefined) return;
  }
  if (kw.minArgs !== undefined && node.args.length + (glued ? 1 : 0) < kw.minArgs) {
    reportBare(kw, pos, ctx, undefined, spec);
    return;
  }
  if (kw.deprecatedFor !== undefined) {
    const replacement = findKeyword(spec, kw.deprecatedFor);
    ctx.sink.warning(pos, `'${word}' is deprecated; use '${kw.deprecatedFor}' instead`, {
      code: 'deprecated',
    });
    if (replacement === undefined) {
      draft.unimplemented[word] = argTexts(node);
      return;
    }
    if (kw.bare !== undefined && node.args.length === 0 && glued === undefined) {
      reportBare(kw, pos, ctx, undefined, spec);
      return;
    }
    kw = replacement;
  }
  if (kw.unsupported !== undefined) {
    ctx.sink.error(pos, `'${kw.name}': ${kw.unsupported}`, { code: 'unsupported-keyword' });
    return;
  }
  if (kw.notImplemented === true) {
    ctx.sink.warning(pos, `'${kw.name}' is accepted but not implemented by vigil yet`, {
      code: 'not-implemented',
    });
    // Keywords with a model field are still read and checked (the model is complete; the
    // runtime does not act on them yet); the others are kept as written.
    if (kw.field === undefined) {
      draft.unimplemented[kw.name] = argTexts(node);
      draft.keyPos[`unimplemented.${kw.name}`] = pos;
      // The value is still checked when its syntax is known (as keepalived reads it).
      if (kw.kind.t === 'words' || (kw.valueIfBare !== undefined && node.args.length === 0)) return;
      readValue(node, kw, spec, draft, ctx);
      return;
    }
  }
  if (
    kw.valueIfBare !== undefined &&
    node.args.length === 0 &&
    glued === undefined &&
    kw.field !== undefined
  ) {
    setField(draft, kw, kw.valueIfBare, pos);
    return;
  }
  const n: ConfigNode = glued === undefined ? node : { ...node, args: [glued, ...node.args] };
  readValue(n, kw, spec, draft, ctx);
}

function setField(draft: Draft, kw: KeywordSpec, value: unknown, pos: SourcePos, multi = false): void {
  if (kw.field === undefined) return;
  if (multi) {
    const list = (draft[kw.field] as unknown[] | undefined) ?? [];
    list.push(value);
    draft[kw.field] = list;
  } else {
    draft[kw.field] = value;
  }
  draft.keyPos[kw.field] = pos;
}

/**
 * A keyword written without its value: as keepalived 2.2.7 treats that keyword (KeywordSpec.bare).
 * Where keepalived stops reading (lib/parser.c null_strvec exits), its VRRP process stops too,
 * unless the block is one only its checker process reads.
 */
export function reportBare(
  kw: KeywordSpec,
  pos: SourcePos,
  ctx: BuildContext,
  what = 'a value',
  /** The block it is in, when known: without it the daemon is not stopped (it runs when unsure). */
  spec?: BlockSpec,
): void {
  const message = `'${kw.name}' needs ${what}`;
  if (kw.bare === 'accepted')
    ctx.sink.warning(pos, `${message}; the line is ignored`, { code: 'missing-value' });
  else if (kw.bare === 'error') ctx.sink.error(pos, message, { code: 'missing-value' });
  else
    ctx.sink.error(pos, `${message} (keepalived stops reading the config here: exit 2)`, {
      code: 'missing-value',
      class: 'missing-parameter',
      stopsDaemon: spec !== undefined && !CHECKER_BLOCKS.has(spec.name),
    });
}

function needArg(node: ConfigNode, kw: KeywordSpec, spec: BlockSpec, ctx: BuildContext): Token | undefined {
  const a = node.args[0];
  if (a === undefined) reportBare(kw, node.keyword.pos, ctx, undefined, spec);
  return a;
}

function rangeNote(kw: KeywordSpec): string {
  return kw.note !== undefined ? ` (${kw.note})` : '';
}

function readValue(
  node: ConfigNode,
  kw: KeywordSpec,
  spec: BlockSpec,
  draft: Draft,
  ctx: BuildContext,
): void {
  const pos = node.keyword.pos;
  const k = kw.kind;
  switch (k.t) {
    case 'flag':
      setField(draft, kw, k.value ?? true, pos);
      return;
    case 'bool': {
      const r = readBool(node.args[0]?.text);
      if (!r.ok)
        ctx.sink.error(node.args[0]?.pos ?? pos, `${kw.name}: ${r.reason}`, { code: 'invalid-value' });
      else setField(draft, kw, r.value, pos);
      return;
    }
    case 'int': {
      const a = needArg(node, kw, spec, ctx);
      if (a === undefined) return;
      const r = readInt(a.text, k.min, k.max);
      if (!r.ok) ctx.sink.error(a.pos, `${kw.name}: ${r.reason}${rangeNote(kw)}`, { code: 'invalid-value' });
      else setField(draft, kw, r.value, pos);
      return;
    }
    case 'decimal': {
      const a = needArg(node, kw, spec, ctx);
      if (a === undefined) return;
      const r =
        k.integer === true && !/^[+-]?\d+$/.test(a.text)
          ? { ok: false as const, reason: `invalid number '${a.text}' (whole seconds)` }
          : readDecimal(a.text, k.min, k.max, k.scale);
      if (!r.ok) ctx.sink.error(a.pos, `${kw.name}: ${r.reason}${rangeNote(kw)}`, { code: 'invalid-value' });
      else setField(draft, kw, r.value, pos);
      return;
    }
    case 'string': {
      const a = needArg(node, kw, spec, ctx);
      if (a !== undefined) setField(draft, kw, a.text, pos);
      const user = node.args[1];
      if (user !== undefined && kw.ownerField !== undefined) {
        const group = node.args[2];
        draft[kw.ownerField] = { user: user.text, ...(group !== undefined ? { group: group.text } : {}) };
      }
      return;
    }
    case 'enum': {
      const a = needArg(node, kw, spec, ctx);
      if (a === undefined) return;
      const v =
        k.caseInsensitive === true ? k.values.find((x) => x.toLowerCase() === a.text.toLowerCase()) : a.text;
      if (v === undefined || !k.values.includes(v)) {
        ctx.sink.error(a.pos, `invalid ${kw.name} '${a.text}': expected one of ${k.values.join(', ')}`, {
          code: 'invalid-value',
        });
      } else setField(draft, kw, v, pos);
      return;
    }
    case 'ip': {
      const a = needArg(node, kw, spec, ctx);
      if (a === undefined) return;
      const r = readPrefix(a.text);
      if (!r.ok || (r.value.hasLen && k.prefixOk !== true)) {
        ctx.sink.error(a.pos, `${kw.name}: invalid IP address '${a.text}'`, { code: 'invalid-address' });
      } else setField(draft, kw, r.value.address, pos);
      return;
    }
    case 'script': {
      const a = needArg(node, kw, spec, ctx);
      if (a === undefined) return;
      // keepalived keeps the first notify script and reports the repeat as a config error.
      const first = kw.field !== undefined ? draft.keyPos[kw.field] : undefined;
      if (k.withUser && first !== undefined) {
        ctx.sink.error(pos, `'${kw.name}' is already specified (line ${first.line}); this one is ignored`, {
          code: 'duplicate-keyword',
          related: [{ pos: first, message: `first '${kw.name}'` }],
        });
        return;
      }
      const s = k.withUser
        ? makeScript(a.text, a.pos, node.args[1]?.text, node.args[2]?.text)
        : makeScript(
            node.args.map((t) => (t.quoted && node.args.length > 1 ? `'${t.text}'` : t.text)).join(' '),
            a.pos,
          );
      setField(draft, kw, s, pos);
      return;
    }
    case 'words':
      setField(draft, kw, argTexts(node), pos);
      return;
    case 'lines': {
      const lines = (node.children ?? []).flatMap((c) => [c.keyword.text, ...argTexts(c)]);
      if (node.children === undefined) {
        ctx.sink.error(pos, `'${kw.name}' needs a { ... } block`, { code: 'missing-block' });
        return;
      }
      setField(draft, kw, lines, pos);
      return;
    }
    case 'block': {
      if (node.children === undefined && node.args.length === 0 && NAMED.has(k.block.name)) {
        // keepalived reads the name (or address) unconditionally: "missing a parameter", exit 2.
        reportBare(
          kw,
          pos,
          ctx,
          k.block.name === 'virtual_server' || k.block.name === 'real_server' ? 'an address' : 'a name',
        );
        return;
      }
      if (node.children === undefined) {
        ctx.sink.error(pos, `'${kw.name}' needs a { ... } block`, { code: 'missing-block' });
        return;
      }
      const sub = readBlock(node.children, k.block, newDraft(pos), ctx);
      const done = ctx.finish(k.block, node, sub);
      if (done !== undefined) setField(draft, kw, done, pos, k.multi === true);
      return;
    }
    case 'special':
      readSpecial(k.reader, node, kw, spec, draft, ctx, (v) => setField(draft, kw, v, pos));
      return;
  }
}
