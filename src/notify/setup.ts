/**
 * Builds the notification side of the daemon from a config: the FIFOs (notify_fifo and
 * vrrp_notify_fifo, each with its optional *_fifo_script reader), the SMTP mailer and the Notifier.
 * The daemon calls `notifier.handle(event)` for every EngineEvent and `close()` at shutdown.
 */
import { hostname as osHostname, userInfo } from 'node:os';
import type { KeepalivedConfig } from '../config/model.js';
import { loadAccounts } from '../scripts/fs-host.js';
import { resolveScriptIdentity } from '../scripts/identity.js';
import type { ScriptIdentity } from '../scripts/runner.js';
import { NotifyFifo } from './fifo.js';
import { defaultFrom, Mailer } from './mail.js';
import { Notifier, type NotifierPorts, type NotifyLogLevel } from './notifier.js';

export interface NotificationSetup {
  readonly notifier: Notifier;
  readonly fifos: readonly NotifyFifo[];
  readonly mailer: Mailer | undefined;
  /** Wait (bounded by the scripts' own limits) for running notify scripts, then close FIFOs and mail. */
  close(): Promise<void>;
}

export interface SetupOptions {
  readonly log: (level: NotifyLogLevel, msg: string) => void;
  readonly hostname?: string;
  /** Overrides for tests. */
  readonly ports?: Partial<NotifierPorts>;
}

/** `*_fifo_script "CMD ARGS" [user [group]]` as stored in globalDefs.unimplemented. */
function fifoScript(
  cfg: KeepalivedConfig,
  keyword: string,
  log: SetupOptions['log'],
): { argv: string[]; identity?: ScriptIdentity } | undefined {
  const words = cfg.globalDefs.unimplemented[keyword];
  if (words === undefined || words.length === 0) return undefined;
  const argv = (words[0] as string).split(/\s+/).filter((w) => w !== '');
  const g = cfg.globalDefs;
  const id = resolveScriptIdentity(loadAccounts(), {
    ...(words[1] !== undefined ? { user: words[1] } : {}),
    ...(words[2] !== undefined ? { group: words[2] } : {}),
    ...(g.scriptUser !== undefined ? { scriptUser: g.scriptUser } : {}),
    ...(g.scriptGroup !== undefined ? { scriptGroup: g.scriptGroup } : {}),
    self: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
  });
  if (!id.ok) {
    log('error', `${keyword} '${words[0]}' not run: ${id.reason}`);
    return { argv: [] };
  }
  return { argv, identity: id.identity };
}

export function setupNotifications(cfg: KeepalivedConfig, opts: SetupOptions): NotificationSetup {
  const g = cfg.globalDefs;
  const host = opts.hostname ?? osHostname();
  const fifos: NotifyFifo[] = [];
  for (const [path, scriptKw] of [
    [g.notifyFifo, 'notify_fifo_script'],
    [g.vrrpNotifyFifo, 'vrrp_notify_fifo_script'],
  ] as const) {
    if (path === undefined) continue;
    const script = fifoScript(cfg, scriptKw, opts.log);
    const fifo = new NotifyFifo({
      path,
      ...(script && script.argv.length > 0 ? { script: script.argv } : {}),
      ...(script?.identity ? { scriptIdentity: script.identity } : {}),
      log: (m) => opts.log('warning', m),
      onScriptExit: (r) => opts.log('warning', `${scriptKw} for ${path} exited (${r.exitCode ?? r.signal})`),
    });
    if (fifo.open()) fifos.push(fifo);
  }
  let mailer: Mailer | undefined;
  if (g.notificationEmail.length > 0 && g.smtpServer !== undefined) {
    let user = 'root';
    try {
      user = userInfo().username;
    } catch {
      // no passwd entry
    }
    mailer = new Mailer({
      server: {
        host: g.smtpServer.host,
        port: g.smtpServer.port,
        heloName: g.smtpHeloName ?? host,
        connectTimeoutMs: g.smtpConnectTimeoutMs,
      },
      from: g.notificationEmailFrom ?? defaultFrom(user, host),
      to: g.notificationEmail,
      log: (level, m) => opts.log(level, m),
    });
  }
  const m = mailer;
  const notifier = new Notifier(cfg, {
    log: opts.log,
    hostname: host,
    fifoWrite: (line) => {
      for (const f of fifos) f.write(line);
    },
    ...(m ? { mail: (subject: string, body: string) => void m.send(subject, body) } : {}),
    ...opts.ports,
  });
  return {
    notifier,
    fifos,
    mailer,
    async close() {
      await notifier.idle();
      for (const f of fifos) f.close();
      mailer?.close();
    },
  };
}
