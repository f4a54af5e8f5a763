/**
 * Declarative keyword tables for keepalived.conf. One table per block says, for every keyword:
 * its argument kind and range, the model field it fills, its deprecated aliases and whether vigil
 * implements it. The builder (src/config/build/) interprets these tables, so unknown-keyword
 * suggestions, deprecation and "not implemented" warnings all come from this one place.
 */

/** How a keyword's arguments are read. */
export type ValueKind =
  /** No argument: sets `value` (default `true`), e.g. `no_accept` sets `accept` false. */
  | { readonly t: 'flag'; readonly value?: boolean }
  /** Optional on|off|true|false|yes|no (absent = true). */
  | { readonly t: 'bool' }
  | { readonly t: 'int'; readonly min: number; readonly max: number }
  /**
   * A decimal number in `min..max` (in the written unit), stored multiplied by `scale`
   * (e.g. seconds written, milliseconds stored: scale 1000).
   */
  | {
      readonly t: 'decimal';
      readonly min: number;
      readonly max: number;
      readonly scale: number;
      /** Whole numbers only (keepalived reads some second counts as integers). */
      readonly integer?: boolean;
    }
  | { readonly t: 'string' }
  /** One of `values`; `caseInsensitive` compares upper-cased. */
  | { readonly t: 'enum'; readonly values: readonly string[]; readonly caseInsensitive?: boolean }
  /** An IP address; `prefixOk`: keepalived also takes ADDR/LEN and ignores the length. */
  | { readonly t: 'ip'; readonly prefixOk?: boolean }
  /**
   * A script command. `withUser`: the command is the first argument and the next two are
   * user and group (notify scripts); otherwise every argument is part of the command.
   */
  | { readonly t: 'script'; readonly withUser: boolean }
  /** All arguments as a string[]. */
  | { readonly t: 'words' }
  /** A `{ ... }` block whose lines are values; each line's words are kept. */
  | { readonly t: 'lines' }
  /** A sub-block described by another table; `multi` keeps every occurrence in an array. */
  | { readonly t: 'block'; readonly block: BlockSpec; readonly multi?: boolean }
  /** A kind with a dedicated reader in the builder (addresses, routes, track lists...). */
  | { readonly t: 'special'; readonly reader: SpecialReader };

export type SpecialReader =
  | 'vips'
  | 'routes'
  | 'rules'
  | 'track-list'
  | 'track-interface'
  | 'peers'
  | 'weight'
  | 'sync-members'
  | 'smtp-server'
  | 'script-user'
  | 'status-code'
  | 'sorry-server'
  | 'use-vmac'
  | 'garp-interval'
  | 'digest'
  | 'init-file'
  | 'garp-extra-if'
  | 'lvs-timeouts'
  | 'lvs-method';

export interface KeywordSpec {
  readonly name: string;
  readonly kind: ValueKind;
  /** The model field this keyword fills; absent for keywords that are only checked. */
  readonly field?: string;
  /** Default value of the field when the keyword is absent (in the model's unit). */
  readonly default?: unknown;
  /** Deprecated alias: the keyword to use instead (its spec is used to read the value). */
  readonly deprecatedFor?: string;
  /**
   * Not implemented by vigil yet: warned about by name. With a `field` the value is still read
   * into the model (and checked); without one the arguments are kept as written.
   */
  readonly notImplemented?: boolean;
  /** The value when the keyword is written without an argument (e.g. `persistence_timeout` = 360 s). */
  readonly valueIfBare?: unknown;
  /**
   * What keepalived 2.2.7 does with the keyword written bare when it needs a value. Default:
   * it aborts the parse ("missing a parameter", exit 2). 'accepted': it ignores the line (vigil
   * warns); 'error': an ordinary config error (exit 5).
   */
  readonly bare?: 'accepted' | 'error';
  /**
   * keepalived 2.2.7 reports the keyword itself as a config error (e.g. `vrrp_iptables` in a
   * build without iptables): the message says why.
   */
  readonly unsupported?: string;
  /** Fewest arguments the keyword needs (checked for every kind; keepalived rejects it bare). */
  readonly minArgs?: number;
  /** Short note shown with range errors, e.g. the keepalived behaviour. */
  readonly note?: string;
  /**
   * For a string keyword followed by an optional `[user [group]]` (notify_fifo's owner): the field
   * that receives `{ user, group }`.
   */
  readonly ownerField?: string;
}

export interface BlockSpec {
  /** The block's keyword as the user writes it, for messages ("in vrrp_instance"). */
  readonly name: string;
  readonly keywords: readonly KeywordSpec[];
  /** The block's lines are values (e.g. virtual_server_group members), not keywords. */
  readonly valueLines?: boolean;
}

/** Looks up a keyword in a block table. */
export function findKeyword(block: BlockSpec, name: string): KeywordSpec | undefined {
  return block.keywords.find((k) => k.name === name);
}

// Small constructors keep the tables readable.
const keyword = (
  name: string,
  kind: KeywordSpec['kind'],
  field: string | undefined,
  extra: Partial<KeywordSpec>,
): KeywordSpec => ({ name, kind, ...(field ? { field } : {}), ...extra });
export const flag = (name: string, field?: string, extra: Partial<KeywordSpec> = {}): KeywordSpec =>
  keyword(name, { t: 'flag' }, field, extra);
/** A flag that clears `field` (e.g. `no_accept` sets `accept` false). */
export const negFlag = (name: string, field: string): KeywordSpec =>
  keyword(name, { t: 'flag', value: false }, field, {});
export const bool = (name: string, field?: string, extra: Partial<KeywordSpec> = {}): KeywordSpec =>
  keyword(name, { t: 'bool' }, field, extra);
export const int = (
  name: string,
  field: string | undefined,
  min: number,
  max: number,
  extra: Partial<KeywordSpec> = {},
): KeywordSpec => keyword(name, { t: 'int', min, max }, field, extra);
/** Whole seconds written, milliseconds stored. */
export const wholeSecondsMs = (
  name: string,
  field: string | undefined,
  min: number,
  max: number,
  extra: Partial<KeywordSpec> = {},
): KeywordSpec => keyword(name, { t: 'decimal', min, max, scale: 1000, integer: true }, field, extra);
/** Seconds written (fractions allowed), milliseconds stored. */
export const secondsMs = (
  name: string,
  field: string | undefined,
  min: number,
  max: number,
  extra: Partial<KeywordSpec> = {},
): KeywordSpec => keyword(name, { t: 'decimal', min, max, scale: 1000 }, field, extra);
export const str = (name: string, field?: string, extra: Partial<KeywordSpec> = {}): KeywordSpec =>
  keyword(name, { t: 'string' }, field, extra);
export const words = (name: string, field?: string, extra: Partial<KeywordSpec> = {}): KeywordSpec =>
  keyword(name, { t: 'words' }, field, extra);
export const script = (
  name: string,
  field?: string,
  extra: Partial<KeywordSpec> = {},
  withUser = true,
): KeywordSpec => keyword(name, { t: 'script', withUser }, field, extra);
export const special = (
  name: string,
  reader: SpecialReader,
  field?: string,
  extra: Partial<KeywordSpec> = {},
): KeywordSpec => keyword(name, { t: 'special', reader }, field, extra);
/** A keyword vigil accepts (arguments unchecked) but does not implement yet. */
export const later = (name: string, extra: Partial<KeywordSpec> = {}): KeywordSpec => ({
  name,
  kind: { t: 'words' },
  notImplemented: true,
  ...extra,
});
/** A block keyword vigil accepts but does not implement yet (its content is not checked). */
export const laterBlock = (name: string): KeywordSpec => ({
  name,
  kind: { t: 'lines' },
  notImplemented: true,
});
export const alias = (name: string, replacement: string): KeywordSpec => ({
  name,
  kind: { t: 'words' },
  deprecatedFor: replacement,
});
