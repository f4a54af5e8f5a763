/**
 * The syntax tree of a keepalived.conf after preprocessing (includes, variables,
 * conditionals, ~SEQ/~LST are all resolved). It knows nothing about keywords:
 * the model builder (src/config/build/) gives nodes their meaning.
 *
 * keepalived treats `{` and `}` as line breaks wherever they appear, so a statement is
 * one logical line: its first word is the keyword, the rest are arguments, and a `{`
 * ending it opens a block whose children are again statements. Value lists such as
 * `virtual_ipaddress { ... }` or `group { a b }` are blocks whose children are lines;
 * consumers that want a flat list of words read `keyword` and `args` of each child.
 */
import type { SourcePos } from './diagnostics.js';

export interface Token {
  /** The word after quote removal, escape processing and variable substitution. */
  readonly text: string;
  /** Where the word starts in the source (for a substituted variable: where the use is). */
  readonly pos: SourcePos;
  /** True if any part of the word was quoted. */
  readonly quoted: boolean;
}

export interface ConfigNode {
  readonly keyword: Token;
  readonly args: readonly Token[];
  /** Present when the statement opens a `{ ... }` block (possibly empty). */
  readonly children?: readonly ConfigNode[];
  /** Position of the opening `{`. */
  readonly open?: SourcePos;
  /** Position of the closing `}`; absent if the block was never closed (an error was reported). */
  readonly close?: SourcePos;
}

/**
 * Where config text comes from. Injected so that the parser stays pure: the CLI passes
 * one backed by node:fs, tests pass an in-memory one.
 */
export interface ConfigSource {
  /** The file's text, or an Error if it cannot be read. */
  readFile(path: string): string | Error;
  /**
   * Expand an include pattern (glob with `*`, `?`, `[...]` and `{a,b}` braces) that is
   * already absolute. Returns matching paths sorted, or [] when nothing matches.
   */
  glob(pattern: string): string[];
}

export interface ParseOptions {
  /** The `-i CONFIG_ID` value used by `@id` / `@^id` lines; defaults to the short hostname. */
  readonly configId: string;
  readonly source: ConfigSource;
  /**
   * Uniform random number in [0, 1) for `${_RANDOM}`; defaults to Math.random. Injected so the
   * parser stays deterministic under test.
   */
  readonly random?: () => number;
  /**
   * Keywords that never take a block (schema SCALAR_KEYWORDS): a line starting with `{` after one
   * of them is ignored, as keepalived does, instead of opening a block for it.
   */
  readonly scalarKeywords?: ReadonlySet<string>;
  /**
   * Value blocks as `PARENT KEYWORD` (schema VALUE_BLOCKS): inside one a `{` is a plain word and
   * the first `}` closes it, as keepalived's alloc_value_block reads it.
   */
  readonly valueBlocks?: ReadonlySet<string>;
}
