/**
 * keepalived.conf syntax: files -> preprocessed words -> a tree of statements and blocks.
 *
 * keepalived treats `{` and `}` as line breaks, so a statement is the run of words between line
 * ends and braces. A `{` opens a block for the statement just before it, whether on the same line
 * (`virtual_server 10.0.0.1 8090{`) or on a following line (`vrrp_instance VI_1` then `{`).
 * The tree knows nothing about keywords; the model builder gives nodes their meaning.
 *
 * Better than keepalived: an unclosed block is reported where it was opened, an extra `}` where
 * it is, and neither stops the parse. Nothing here throws or performs I/O.
 */
import { DiagnosticSink, type SourcePos } from './diagnostics.js';
import type { LexWord } from './lexer.js';
import { Preprocessor } from './preprocess/reader.js';
import type { ConfigNode, ParseOptions, Token } from './tree.js';

export type { ConfigNode, ConfigSource, ParseOptions, Token } from './tree.js';

export interface ParseResult {
  /** Top-level statements. */
  nodes: ConfigNode[];
  /** Syntax errors and warnings, in the order found. */
  diagnostics: import('./diagnostics.js').Diagnostic[];
  /** Every file read (main + includes), in the order first read; each listed once. */
  files: string[];
}

interface MutableNode {
  keyword: Token;
  args: Token[];
  children?: MutableNode[];
  open?: SourcePos;
  close?: SourcePos;
}

interface Frame {
  /** The node owning this block; undefined for the top level and for a stray `{`. */
  readonly owner?: MutableNode;
  readonly children: MutableNode[];
  /** For a stray `{` block: where it was, so its statements are kept in the parent. */
  readonly strayOpen?: SourcePos;
  /** A value block (virtual_ipaddress, track_script...): a `{` inside it is a plain word. */
  readonly valueBlock?: boolean;
}

/** Builds the statement tree from a stream of logical lines. */
export class TreeBuilder {
  private readonly root: Frame = { children: [] };
  private readonly stack: Frame[] = [this.root];
  /** The last statement, while it can still take a `{` from the next line. */
  private awaitingBrace: MutableNode | undefined;

  constructor(
    private readonly sink: DiagnosticSink,
    private readonly scalarKeywords: ReadonlySet<string> = new Set(),
    private readonly valueBlocks: ReadonlySet<string> = new Set(),
  ) {}

  private get top(): Frame {
    return this.stack.at(-1) as Frame;
  }

  line(words: readonly LexWord[]): void {
    let stmt: LexWord[] = [];
    const flush = (): MutableNode | undefined => {
      if (stmt.length === 0) return undefined;
      const [kw, ...args] = stmt.map(toToken);
      const node: MutableNode = { keyword: kw as Token, args };
      this.top.children.push(node);
      stmt = [];
      return node;
    };
    const first = words[0];
    const awaiting = this.awaitingBrace;
    if (first?.brace === '{' && awaiting && this.scalarKeywords.has(awaiting.keyword.text)) {
      // keepalived 2.2.7 lib/parser.c process_stream: a `{` line after a keyword without a block
      // is reported and the whole line skipped; the `{` opens nothing.
      this.sink.error(
        first.pos,
        `unexpected '{' after '${awaiting.keyword.text}', which takes no block - ignoring this line`,
        {
          code: 'unexpected-brace',
        },
      );
      this.awaitingBrace = undefined;
      return;
    }
    for (const w of words) {
      if (w.brace === '{' && this.top.valueBlock === true) {
        // keepalived 2.2.7 alloc_value_block: the line's words go to the block as they are.
        stmt.push({ ...w, brace: undefined });
      } else if (w.brace === '{') {
        const parent = this.top.owner?.keyword.text ?? '';
        const node = flush() ?? this.awaitingBrace;
        this.awaitingBrace = undefined;
        if (node && !node.children) {
          node.children = [];
          node.open = w.pos;
          const valueBlock = this.valueBlocks.has(`${parent} ${node.keyword.text}`);
          this.stack.push({ owner: node, children: node.children, ...(valueBlock ? { valueBlock } : {}) });
        } else {
          this.sink.error(w.pos, "unexpected '{' without a keyword before it", { code: 'unexpected-brace' });
          this.stack.push({ children: [], strayOpen: w.pos });
        }
      } else if (w.brace === '}') {
        flush();
        this.awaitingBrace = undefined;
        this.closeBlock(w.pos);
      } else {
        this.awaitingBrace = undefined;
        stmt.push(w);
      }
    }
    const last = flush();
    if (last) this.awaitingBrace = last;
  }

  private closeBlock(pos: SourcePos): void {
    if (this.stack.length === 1) {
      this.sink.error(pos, "extra '}' with no block open", { code: 'extra-brace' });
      return;
    }
    const f = this.stack.pop() as Frame;
    if (f.owner) f.owner.close = pos;
    else this.top.children.push(...f.children);
  }

  /** Close what is still open, reporting each unclosed block where it was opened. */
  finish(): ConfigNode[] {
    while (this.stack.length > 1) {
      const f = this.stack.pop() as Frame;
      const open = f.owner?.open ?? f.strayOpen;
      if (open) {
        const what = f.owner ? `'${f.owner.keyword.text}'` : 'stray';
        this.sink.error(open, `block ${what} opened here is never closed (missing '}')`, {
          code: 'unclosed-block',
          ...(f.owner
            ? { related: [{ pos: f.owner.keyword.pos, message: `'${f.owner.keyword.text}' is here` }] }
            : {}),
        });
      }
      if (!f.owner) this.top.children.push(...f.children);
    }
    return this.root.children;
  }
}

function toToken(w: LexWord): Token {
  return { text: w.text, pos: w.pos, quoted: w.quoted };
}

/** Parse a config file (and everything it includes) read through `opts.source`. Never throws. */
export function parseConfig(path: string, opts: ParseOptions): ParseResult {
  return run(opts, (pp) => pp.readMain(path));
}

/** Parse `text` as if it were the file `path`; includes are still read through `opts.source`. */
export function parseConfigText(text: string, path: string, opts: ParseOptions): ParseResult {
  return run(opts, (pp) => pp.readText(path, text));
}

function run(opts: ParseOptions, read: (pp: Preprocessor) => void): ParseResult {
  const sink = new DiagnosticSink();
  const builder = new TreeBuilder(sink, opts.scalarKeywords, opts.valueBlocks);
  const pp = new Preprocessor(
    { configId: opts.configId, source: opts.source, random: opts.random ?? Math.random },
    sink,
    (words) => builder.line(words),
  );
  try {
    read(pp);
  } catch (e) {
    // Defensive: a bug here must not take the daemon down; report it against the main file.
    sink.error(
      { file: pp.files[0] ?? '<config>', line: 1, column: 1 },
      `internal parser error: ${String(e)}`,
      {
        code: 'internal',
      },
    );
  }
  return { nodes: builder.finish() as ConfigNode[], diagnostics: sink.items, files: pp.files };
}
