/**
 * ConfigSource implementations: the node:fs edge used by the CLI, and an in-memory one for tests.
 * Globbing follows glob(3) with GLOB_BRACE as keepalived uses it: brace alternatives are expanded
 * in order, each alternative's matches are sorted, and directories are skipped.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { expandBraces, hasWildcard, matchPath, segmentRegExp, unescapeGlob } from './preprocess/glob.js';
import type { ConfigSource } from './tree.js';

export function fsConfigSource(): ConfigSource {
  return {
    readFile(path: string): string | Error {
      try {
        const st = statSync(path);
        if (st.isDirectory()) return new Error(`${path} is a directory`);
        // keepalived refuses config files that are not regular or are executable (read_conf_file()).
        if (!st.isFile()) return new Error(`${path} is not a regular file`);
        if (st.mode & 0o111)
          return new Error(`${path} is executable; keepalived does not read executable config files`);
        return readFileSync(path, 'utf8');
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e));
      }
    },
    glob(pattern: string): string[] {
      const out: string[] = [];
      for (const alt of expandBraces(pattern)) {
        for (const p of globOne(alt)) if (!out.includes(p)) out.push(p);
      }
      return out;
    },
  };
}

function isFile(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Expand one brace-free absolute pattern, segment by segment. */
function globOne(pattern: string): string[] {
  if (!hasWildcard(pattern)) {
    const p = unescapeGlob(pattern);
    return isFile(p) ? [p] : [];
  }
  const segs = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let bases = [pattern.startsWith('/') ? '/' : '.'];
  const rest = pattern.startsWith('/') ? segs.slice(1) : segs;
  rest.forEach((seg, idx) => {
    const last = idx === rest.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (!hasWildcard(seg)) {
        const p = posix.join(base, unescapeGlob(seg));
        if (last ? isFile(p) : isDir(p)) next.push(p);
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(base).sort();
      } catch {
        continue;
      }
      const re = segmentRegExp(seg);
      for (const name of names) {
        if (!re.test(name)) continue;
        const p = posix.join(base, name);
        if (last ? isFile(p) : isDir(p)) next.push(p);
      }
    }
    bases = next;
  });
  return bases;
}

/** An in-memory source: file paths (absolute) to contents. Paths missing from the map do not exist. */
export function memoryConfigSource(files: Record<string, string>): ConfigSource {
  const paths = Object.keys(files);
  return {
    readFile(path: string): string | Error {
      const t = Object.hasOwn(files, path) ? files[path] : undefined;
      return t === undefined ? new Error(`ENOENT: no such file or directory, open '${path}'`) : t;
    },
    glob(pattern: string): string[] {
      const out: string[] = [];
      for (const alt of expandBraces(pattern)) {
        const matches = paths.filter((p) => matchPath(alt, p)).sort();
        for (const m of matches) if (!out.includes(m)) out.push(m);
      }
      return out;
    },
  };
}
