/**
 * The status socket: a unix stream socket with owner-only permissions. A client writes one
 * request line ("status", or "lvs") and reads one JSON document back.
 */
import { unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { StatusReport } from './status-types.js';

export interface StatusServer {
  close(): Promise<void>;
}

export async function startStatusServer(
  path: string,
  report: () => Promise<StatusReport>,
  /** Other requests by name (`lvs`: the LVS data plane's view), each answered with one JSON document. */
  extra: Readonly<Record<string, () => Promise<unknown>>> = {},
): Promise<StatusServer> {
  try {
    unlinkSync(path); // a socket left by a dead daemon; the pid file already proved none runs
  } catch {
    // none there
  }
  const server: Server = createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: string) => {
      buf += chunk;
      if (!buf.includes('\n')) {
        if (buf.length > 1024) conn.destroy();
        return;
      }
      const request = buf.split('\n', 1)[0]!.trim();
      const answer =
        request === 'status' ? report : Object.hasOwn(extra, request) ? extra[request] : undefined;
      if (answer === undefined) {
        conn.end(`${JSON.stringify({ error: `unknown request '${request.slice(0, 40)}'` })}\n`);
        return;
      }
      answer().then(
        (r) => conn.end(`${JSON.stringify(r)}\n`),
        (e: unknown) => conn.end(`${JSON.stringify({ error: String(e) })}\n`),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // bind(2) creates the socket file with 0777 & ~umask, and Node binds synchronously inside
    // listen(): with the umask set around that call the file is owner-only from the moment it
    // exists (a chmod after bind would leave a window where anyone could connect). The umask is
    // process-wide: for these few synchronous statements the worker threads' files would only be
    // more private, and they create none.
    const previous = process.umask(0o177);
    try {
      server.listen(path, () => resolve());
    } finally {
      process.umask(previous);
    }
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        try {
          unlinkSync(path);
        } catch {
          // gone
        }
      }),
  };
}
