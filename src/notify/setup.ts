/**
 * Builds the notification side of the daemon from a config: the FIFOs (notify_fifo and
 * vrrp_notify_fifo, each with its optional *_fifo_script reader), the SMTP mailer and the Notifier.
 * The daemon calls `notifier.handle(event)` for every EngineEvent and `close()` at shutdown.
 */
import { hostname as osHostname, userInfo } from 'node:os';
import type { FifoOwner, KeepalivedConfig, ScriptSpec } from '../config/model.js';
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
  /** A health-checker line (`RS ...`, `VS ...`): to notify_fifo and lvs_notify_fifo (keepalived notify_fifo_rs/vs). */
  lvsFifoWrite(line: string): void;
  /** Wait (bounded by the scripts' own limits) for running notify scripts, then close FIFOs and mail. */
  close(): Promise<void>;
}

export interface SetupOptions {
  readonly log: (level: NotifyLogLevel, msg: string) => void;
  readonly hostname?: string;
  /** Overrides for tests. */
  readonly ports?: Partial<NotifierPorts>;
}

const self = (): ScriptIdentity => ({ uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });

/** A `*_fifo_script` with the identity it runs as (its own user, else script_user, as keepalived). */
function fifoScript(
  cfg: KeepalivedConfig,
  keyword: string,
  spec: ScriptSpec | undefined,
  log: SetupOptions['log'],
): { argv: readonly string[]; identity?: ScriptIdentity } | undefined {
  if (spec === undefined || spec.argv.length === 0) return undefined;
  const g = cfg.globalDefs;
  const id = resolveScriptIdentity(loadAccounts(), {
    ...(spec.user !== undefined ? { user: spec.user } : {}),
    ...(spec.group !== undefined ? { group: spec.group } : {}),
    ...(g.scriptUser !== undefined ? { scriptUser: g.scriptUser } : {}),
    ...(g.scriptGroup !== undefined ? { scriptGroup: g.scriptGroup } : {}),
    self: self(),
  });
  if (!id.ok) {
    log('error', `${keyword} '${spec.command}' not run: ${id.reason}`);
    return undefined;
  }
  return { argv: spec.argv, identity: id.identity };
}

/** `notify_fifo FILE user [group]`: the uid/gid a FIFO vigil creates is given to. */
function fifoOwner(
  keyword: string,
  owner: FifoOwner | undefined,
  log: SetupOptions['log'],
): ScriptIdentity | undefined {
  if (owner === undefined) return undefined;
  const id = resolveScriptIdentity(loadAccounts(), {
    user: owner.user,
    ...(owner.group !== undefined ? { group: owner.group } : {}),
    self: self(),
  });
  if (!id.ok) {
    log('error', `${keyword} owner '${owner.user}': ${id.reason}; the FIFO stays root's`);
    return undefined;
  }
  return id.identity;
}

export function setupNotifications(cfg: KeepalivedConfig, opts: SetupOptions): NotificationSetup {
  const g = cfg.globalDefs;
  const host = opts.hostname ?? osHostname();
  const fifos: NotifyFifo[] = [];
  // Which lines each FIFO takes: notify_fifo both, the others their own process's.
  const takes = new Map<NotifyFifo, 'all' | 'vrrp' | 'lvs'>();
  for (const [path, fifoKw, ownerSpec, scriptSpec, kind] of [
    [g.notifyFifo, 'notify_fifo', g.notifyFifoOwner, g.notifyFifoScript, 'all'],
    [g.vrrpNotifyFifo, 'vrrp_notify_fifo', g.vrrpNotifyFifoOwner, g.vrrpNotifyFifoScript, 'vrrp'],
    // keepalived's checker process opens it only when it runs, i.e. with virtual servers.
    [
      cfg.virtualServers.length > 0 ? g.lvsNotifyFifo : undefined,
      'lvs_notify_fifo',
      g.lvsNotifyFifoOwner,
      g.lvsNotifyFifoScript,
      'lvs',
    ],
  ] as const) {
    if (path === undefined) continue;
    const scriptKw = `${fifoKw}_script`;
    const script = fifoScript(cfg, scriptKw, scriptSpec, opts.log);
    const owner = fifoOwner(fifoKw, ownerSpec, opts.log);
    const fifo = new NotifyFifo({
      path,
      ...(script ? { script: script.argv } : {}),
      ...(script?.identity ? { scriptIdentity: script.identity } : {}),
      ...(owner ? { owner } : {}),
      log: (m) => opts.log('warning', m),
      onScriptExit: (r) => opts.log('warning', `${scriptKw} for ${path} exited (${r.exitCode ?? r.signal})`),
    });
    if (fifo.open()) {
      fifos.push(fifo);
      takes.set(fifo, kind);
    }
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
      for (const f of fifos) if (takes.get(f) !== 'lvs') f.write(line);
    },
    ...(m ? { mail: (subject: string, body: string) => void m.send(subject, body) } : {}),
    ...opts.ports,
  });
  return {
    notifier,
    fifos,
    mailer,
    lvsFifoWrite(line) {
      for (const f of fifos) if (takes.get(f) !== 'vrrp') f.write(line);
    },
    async close() {
      await notifier.idle();
      for (const f of fifos) f.close();
      mailer?.close();
    },
  };
}
