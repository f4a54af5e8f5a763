/**
 * The process-count range a vrrp_track_process is up in, as keepalived 2.2.7 settles `quorum` and
 * `quorum_max` (vrrp_parser.c vrrp_tprocess_quorum_handler / _quorum_max_handler). Each keyword is
 * checked against the value the other has when it is read, so their order matters:
 * - quorum (1..65535) greater than the quorum_max already set is ignored;
 * - quorum_max less than the quorum already set is ignored, except that quorum_max 0 is allowed
 *   while quorum is 1 (the default): it then sets quorum to 0 too, so the object is up only while
 *   no such process runs. A non-zero quorum_max lifts a quorum of 0 back to 1.
 * Pure.
 */
import type { SourcePos } from '../diagnostics.js';
import type { TrackProcess } from '../model.js';

export interface QuorumRange {
  readonly min: number;
  /** undefined: no maximum (keepalived UINT_MAX). */
  readonly max: number | undefined;
  /** The keyword keepalived ignores ("- ignoring"), if any. */
  readonly ignored?: 'quorum' | 'quorum_max';
}

export type QuorumSpec = Pick<TrackProcess, 'quorum' | 'quorumMax'> & {
  readonly keyPos?: { readonly quorum?: SourcePos; readonly quorumMax?: SourcePos };
};

const before = (a: SourcePos, b: SourcePos): boolean =>
  a.file === b.file ? a.line < b.line || (a.line === b.line && a.column < b.column) : true;

export function quorumRange(p: QuorumSpec): QuorumRange {
  if (p.quorumMax === undefined) return { min: p.quorum, max: undefined };
  const qPos = p.keyPos?.quorum;
  const mPos = p.keyPos?.quorumMax;
  // Without positions (a model built in code) quorum is taken as read first.
  const quorumFirst = qPos === undefined || mPos === undefined || before(qPos, mPos);
  let min = 1;
  let max: number | undefined;
  let ignored: QuorumRange['ignored'];
  const readQuorum = (q: number): void => {
    if (max !== undefined && q > max) ignored = 'quorum';
    else min = q;
  };
  const readMax = (m: number): void => {
    if ((m !== 0 || min > 1) && m < min) {
      ignored = 'quorum_max';
      return;
    }
    max = m;
    if (m === 0) min = 0;
    else if (min === 0) min = 1;
  };
  // An absent quorum line leaves the default 1, which is what reading quorum 1 first gives.
  if (quorumFirst) {
    readQuorum(p.quorum);
    readMax(p.quorumMax);
  } else {
    readMax(p.quorumMax);
    readQuorum(p.quorum);
  }
  return ignored === undefined ? { min, max } : { min, max, ignored };
}
