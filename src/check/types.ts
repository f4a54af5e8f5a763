/**
 * Health checking: the shared interface every checker implements (one module per checker under
 * src/check/checkers/), and the values the real-server life cycle (src/check/lifecycle.ts) works
 * with. keepalived's behaviour is summed up rule by rule in shared/specs/checkers.md.
 *
 * A checker is split like a VRRP instance: its protocol logic is pure (parse a response into a
 * verdict, build the request bytes) and unit-tested; the I/O that runs one attempt is a thin edge
 * behind `CheckAttempt`. Timers and retries are not a checker's business: the life cycle decides
 * when to run an attempt and what its result means.
 */
import type { Checker, CheckerType, TrackFile } from '../config/model.js';
import type { IpFamily } from '../net/addr.js';

/**
 * Where an attempt connects, after keepalived's resolution (check_api.c / check_data.c
 * validate_check_config): connect_ip else the real server's address, connect_port else the real
 * server's port; bindto, bind_port, bind_if and fwmark (SO_MARK) as given on the checker.
 */
export interface ConnectTarget {
  readonly family: IpFamily;
  readonly address: string;
  readonly port: number;
  readonly bindto?: string;
  readonly bindPort?: number;
  readonly bindIf?: string;
  readonly fwmark?: number;
}

/** The verdict of one attempt. */
export type CheckOutcome =
  | {
      readonly ok: true;
      /**
       * MISC_CHECK with misc_dynamic (exit status - 2) and FILE_CHECK: the weight the real server
       * should have now. Absent: the configured weight.
       */
      readonly weight?: number;
      /** For logs and status, e.g. "HTTP status code 200". */
      readonly detail?: string;
    }
  | {
      readonly ok: false;
      /**
       * Why, in keepalived's words where it has them ("Timeout connecting", "HTTP status code
       * error", "MD5 digest error", "connection refused", "timed out", "exit status 1"...).
       */
      readonly reason: string;
    };

/** What one attempt is given. */
export interface AttemptContext {
  /** connect_timeout in ms: keepalived applies it to the connect and to each read. */
  readonly timeoutMs: number;
  /** Aborted when the checker is removed (reload, stop): the attempt ends at once, releasing everything it holds. */
  readonly signal: AbortSignal;
}

/**
 * One attempt of one checker against one target. Resolves (never rejects) with a verdict, within
 * the limits of `ctx` (a slow or endless peer is cut off, never waited for), and leaves no socket,
 * process or timer behind.
 */
export type CheckAttempt = (ctx: AttemptContext) => Promise<CheckOutcome>;

/** A checker module: builds the attempt function for one configured checker. */
export interface CheckerModule<T extends CheckerType = CheckerType> {
  readonly type: T;
  /**
   * keepalived's per-type defaults (checkers.md section 1): retry (1 for most, 3 for DNS, 0 for
   * MISC) and delay_before_retry in ms (undefined = delay_loop).
   */
  readonly defaults: { readonly retry: number; readonly delayBeforeRetryMs?: number };
  /**
   * MISC_CHECK: the next attempt is timed from the start of the previous one (keepalived
   * `last_ran + delay`), not from its end. Default false.
   */
  readonly scheduleFromStart?: boolean;
  /**
   * SMTP_CHECK (checkers.md G3): every delay_loop cycle starts with a fresh retry count and retries
   * happen even while the checker is down, so each verdict (also the first one) takes retry+1
   * failures. Default false: the common state machine (checkers.md 2.1).
   */
  readonly retriesEachCycle?: boolean;
  /**
   * TCP_CHECK in keepalived 2.2.7 (check_tcp.c tcp_epilog): a checker that is already down still
   * retries a failure after delay_before_retry (silently) before waiting delay_loop again, so a
   * recovery is seen sooner. Default false (UDP, PING, DNS, MISC, HTTP: a down checker's failure
   * waits delay_loop).
   */
  readonly retriesWhileDown?: boolean;
  create(spec: Extract<Checker, { type: T }>, target: ConnectTarget, env: CheckerEnv): CheckAttempt;
  /**
   * Whether the checker may run at all, asked once per configuration before it is scheduled:
   * keepalived removes at load a checker it cannot run (MISC_CHECK whose script is missing or
   * insecure, check_misc_script_security), and its real server is judged without it. Returns
   * keepalived's log line when refused, undefined when admitted. Absent: always admitted.
   */
  admit?(spec: Extract<Checker, { type: T }>, env: CheckerEnv): string | undefined;
  /**
   * FILE_CHECK: keepalived is event-driven (inotify on the track file). `watch` calls `changed` when
   * what the checker reads has changed, and the life cycle runs an attempt at once; the delay_loop
   * poll stays as the fallback. Returns the function that stops watching.
   */
  watch?(spec: Extract<Checker, { type: T }>, env: CheckerEnv, changed: () => void): () => void;
  /**
   * HTTP_GET/SSL_GET: one attempt per url, in order, for the life cycle's url walk (keepalived checks
   * one url per attempt; plan `urls`). Absent: `create` is the only attempt.
   */
  createUrls?(spec: Extract<Checker, { type: T }>, target: ConnectTarget, env: CheckerEnv): CheckAttempt[];
}

/**
 * The configuration a checker module may need beyond its own block, resolved by the plan
 * (src/check/plan.ts) as plain data so it crosses into the checker thread.
 */
export interface CheckerContext {
  /** The virtual server's delay_loop in ms: MISC_CHECK's limit when misc_timeout is not given. */
  readonly vsDelayLoopMs?: number;
  /** The real server's configured weight (FILE_CHECK's weight is relative to it). */
  readonly realServerWeight?: number;
  /** global_defs enable_script_security, script_user USER [GROUP] (MISC_CHECK). */
  readonly enableScriptSecurity?: boolean;
  readonly scriptUser?: string;
  readonly scriptGroup?: string;
  /** The config's track_file blocks (FILE_CHECK names one). */
  readonly trackFiles?: readonly TrackFile[];
  /**
   * HTTP_GET/SSL_GET: the real server's and the virtual server's `virtualhost`, next in keepalived's
   * chains after the url's and the checker's (Host: url, checker, real server, virtual server; SNI
   * skips the real server).
   */
  readonly realServerVirtualhost?: string;
  readonly virtualServerVirtualhost?: string;
  /** The global `SSL { }` block: SSL_GET's client certificate, key, CA file and key password. */
  readonly ssl?: {
    readonly certificate?: string;
    readonly key?: string;
    readonly ca?: string;
    readonly password?: string;
  };
}

/** What a checker may need from the process around it (injected; tests pass fakes). */
export interface CheckerEnv extends CheckerContext {
  /** Log a line (keepalived's wording), for checkers that log per attempt (log_all_failures). */
  readonly log: (level: 'info' | 'warning' | 'error', message: string) => void;
}
