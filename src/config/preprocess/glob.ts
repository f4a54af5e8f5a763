/**
 * Pure helpers for include patterns: csh-style brace expansion (`{a,b}`, nested) and glob(3)
 * wildcards (`*`, `?`, `[...]`) for one path segment. keepalived passes include names to
 * glob(GLOB_BRACE); a `*` or `?` does not match a leading `.` or a `/`.
 */

/** Expand `{a,b}` alternatives, left to right, nested braces included. `{}` and `{x}` stay literal. */
export function expandBraces(pattern: string, limit = 10_000): string[] {
  const open = findBraceGroup(pattern);
  if (!open) return [pattern];
  const { start, end, alternatives } = open;
  const prefix = pattern.slice(0, start);
  const suffix = pattern.slice(end + 1);
  const out: string[] = [];
  for (const alt of alternatives) {
    for (const e of expandBraces(prefix + alt + suffix, limit)) {
      out.push(e);
      if (out.length >= limit) return out;
    }
  }
  return out;
}

function findBraceGroup(p: string): { start: number; end: number; alternatives: string[] } | undefined {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      i++;
      continue;
    }
    if (p[i] !== '{') continue;
    let depth = 0;
    const alts: string[] = [];
    let cur = '';
    for (let k = i; k < p.length; k++) {
      const c = p[k] as string;
      if (c === '\\' && k + 1 < p.length) {
        cur += c + p[k + 1];
        k++;
        continue;
      }
      if (c === '{') {
        depth++;
        if (depth === 1) continue;
      } else if (c === '}') {
        depth--;
        if (depth === 0) {
          alts.push(cur);
          // glob(3) leaves "{}" and a group without a comma alone.
          if (alts.length < 2) break;
          return { start: i, end: k, alternatives: alts };
        }
      } else if (c === ',' && depth === 1) {
        alts.push(cur);
        cur = '';
        continue;
      }
      cur += c;
    }
  }
  return undefined;
}

/** True if the pattern has glob(3) wildcards (braces are not wildcards). */
export function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/** A RegExp matching one path segment against a glob segment (no `/` inside). */
export function segmentRegExp(seg: string): RegExp {
  let re = '^';
  // glob(3): a leading '.' must be matched explicitly.
  if (!seg.startsWith('.')) re += '(?!\\.)';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] as string;
    if (c === '\\' && i + 1 < seg.length) {
      re += escapeRe(seg[++i] as string);
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close === -1) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, close);
      let neg = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        neg = true;
        body = body.slice(1);
      }
      re += `[${neg ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]')}]`;
      i = close;
    } else re += escapeRe(c);
  }
  return new RegExp(`${re}$`, 'u');
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Remove glob backslash escapes from a segment without wildcards. */
export function unescapeGlob(seg: string): string {
  return seg.replace(/\\(.)/g, '$1');
}

/** Match a full absolute path against a brace-free glob pattern (for in-memory sources). */
export function matchPath(pattern: string, path: string): boolean {
  const ps = pattern.split('/');
  const ss = path.split('/');
  if (ps.length !== ss.length) return false;
  return ps.every((p, i) =>
    hasWildcard(p) ? segmentRegExp(p).test(ss[i] as string) : unescapeGlob(p) === ss[i],
  );
}
