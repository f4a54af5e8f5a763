/**
 * Checker type -> the module that runs its attempts (src/check/checkers/, one per type, written
 * against src/check/types.ts). A type without a module is read and planned but never run: the
 * life cycle logs it once and its real servers stay as alpha says.
 *
 * To add a module: import it here and list it in MODULES. What the registry expects from it:
 * - `type`: the CheckerType it implements (one module per type);
 * - `defaults`: keepalived's retry and delay_before_retry for the type (checkers.md section 1);
 * - `create(spec, target, env)`: called once per configured checker and configuration (a reload
 *   creates them again; state that must survive a reload belongs to the life cycle); returns the attempt function, which must resolve (never reject) within `ctx.timeoutMs`,
 *   end at once when `ctx.signal` aborts, and leave no socket, process or timer behind, nor a
 *   listener on `ctx.signal` (one checker's attempts share it until it aborts);
 * - optional `scheduleFromStart` (MISC_CHECK), `retriesEachCycle` (SMTP_CHECK) and
 *   `retriesWhileDown` (TCP_CHECK): keepalived's per-checker scheduling differences.
 */
import type { CheckerType } from '../config/model.js';
import { dnsCheck } from './checkers/dns.js';
import { fileCheck } from './checkers/file.js';
import { httpCheck, sslCheck } from './checkers/http.js';
import { miscCheck } from './checkers/misc.js';
import { pingCheck } from './checkers/ping.js';
import { smtpCheck } from './checkers/smtp.js';
import { tcpCheck } from './checkers/tcp.js';
import { udpCheck } from './checkers/udp.js';
import type { CheckerModule } from './types.js';

/** A module for any one type (`CheckerModule<'TCP_CHECK'>`, ...). */
export type AnyCheckerModule = { [T in CheckerType]: CheckerModule<T> }[CheckerType];

/** The modules this build has. */
const MODULES: readonly AnyCheckerModule[] = [
  tcpCheck,
  httpCheck,
  sslCheck,
  smtpCheck,
  miscCheck,
  dnsCheck,
  udpCheck,
  pingCheck,
  fileCheck,
];

export type CheckerRegistry = ReadonlyMap<CheckerType, AnyCheckerModule>;

export function createRegistry(modules: readonly AnyCheckerModule[]): CheckerRegistry {
  const map = new Map<CheckerType, AnyCheckerModule>();
  for (const m of modules) {
    if (map.has(m.type)) throw new Error(`two checker modules for ${m.type}`);
    map.set(m.type, m);
  }
  return map;
}

export const defaultRegistry: CheckerRegistry = createRegistry(MODULES);
