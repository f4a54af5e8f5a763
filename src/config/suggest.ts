/**
 * "Did you mean ...?" for unknown keywords. Pure: edit distance plus the repairs real configs need —
 * machine-translated capitals (`Global_defs`) and a keyword glued to its argument
 * (`Notify_master/usr/local/bin/x.sh`).
 */

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

export interface Suggestion {
  /** The keyword the user probably meant. */
  readonly keyword: string;
  /** Text glued to the keyword that is really its first argument (`/usr/local/bin/x.sh`). */
  readonly gluedArgument?: string;
}

/**
 * The best candidate for `word` among `known`, or undefined when nothing is close.
 * Case-insensitive exact matches win; then a known keyword that prefixes the word followed by
 * a non-keyword character (glued argument); then the smallest edit distance within a third of
 * the length (at most 3).
 */
export function suggestKeyword(word: string, known: readonly string[]): Suggestion | undefined {
  const lower = word.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact !== undefined) return { keyword: exact };
  // Longest keyword that the word starts with, followed by something that cannot be part of a keyword.
  let glued: string | undefined;
  for (const k of known) {
    if (lower.startsWith(k.toLowerCase()) && !/^[a-z0-9_]/i.test(word.slice(k.length))) {
      if (glued === undefined || k.length > glued.length) glued = k;
    }
  }
  if (glued !== undefined) return { keyword: glued, gluedArgument: word.slice(glued.length) };
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  return best !== undefined && bestD <= limit ? { keyword: best } : undefined;
}

/** The message tail for a suggestion: "; did you mean 'x'?" or ''. */
export function describeSuggestion(s: Suggestion | undefined): string {
  if (s === undefined) return '';
  if (s.gluedArgument !== undefined)
    return `; did you mean '${s.keyword} ${s.gluedArgument}' (a space is missing after the keyword)?`;
  return `; did you mean '${s.keyword}'?`;
}
