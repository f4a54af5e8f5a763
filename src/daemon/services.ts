/**
 * The main thread's services around the VRRP worker: tracking (vrrp_script, track_file,
 * vrrp_track_process, track_interface) feeding the engine, and notifications (notify scripts,
 * FIFOs, mail) for every transition the engine reports. Replaced as a whole on reload.
 */
import type { LifecycleEvent } from '../check/lifecycle.js';
import type { KeepalivedConfig } from '../config/model.js';
import { type NotificationSetup, setupNotifications } from '../notify/setup.js';
import { signalAllScripts } from '../scripts/runner.js';
import { TrackingManager } from '../track/manager.js';
import type { TrackingStatus } from '../vrrp/types.js';
import type { Logger } from './log.js';
import type { InstanceStatus } from './status-types.js';
import type { EngineEvent } from './vrrp-engine.js';

export class MainServices {
  private readonly tracking: TrackingManager;
  private readonly notifications: NotificationSetup;

  constructor(
    model: KeepalivedConfig,
    log: Logger,
    track: (instance: string, status: TrackingStatus) => void,
    links: ReadonlyMap<string, boolean>,
  ) {
    this.notifications = setupNotifications(model, { log: (level, msg) => log.log(level, msg) });
    this.tracking = new TrackingManager(model, { track, log: (level, msg) => log.log(level, msg) });
    for (const [name, up] of links) this.tracking.setInterface(name, up);
  }

  /** `previous`: the services this replaces on reload (vrrp_script results carry over). */
  start(previous?: MainServices): void {
    for (const old of previous?.notifications.fifos ?? [])
      for (const fifo of this.notifications.fifos) old.handOver(fifo);
    this.tracking.start(previous?.tracking.scriptHealth);
  }

  onEngineEvent(e: EngineEvent): void {
    const n = this.notifications.notifier;
    if (e.type === 'master-rx-lower-pri') n.masterRxLowerPri(e.instance, e.priority);
    else if (e.type === 'priority-change') n.priorityChanged(e.instance, e.state, e.priority);
    else n.handle(e);
  }

  /** A health-checker notification: a notify/quorum script, a FIFO line or a mail. */
  onCheckerEvent(e: LifecycleEvent): void {
    const n = this.notifications;
    if (e.type === 'script') n.notifier.runCheckerScript(e.what, e.script, e.stopping);
    else if (e.type === 'fifo') n.lvsFifoWrite(e.line);
    else if (e.type === 'mail') void n.mailer?.send(e.subject, e.body);
  }

  /** A reload kept these instances' states (keepalived writes them again with fifo_write_vrrp_states_on_reload). */
  onReloaded(unchanged: readonly InstanceStatus[]): void {
    this.notifications.notifier.statesOnReload(
      unchanged.map((i) => ({ name: i.name, state: i.state, priority: i.effectivePriority })),
    );
  }

  onLink(name: string, up: boolean): void {
    this.tracking.setInterface(name, up);
  }

  /** Stops trackers, lets notify scripts (STOP has 1 s) finish, closes FIFOs and mail. */
  async stop(): Promise<void> {
    this.tracking.stop();
    await this.notifications.close();
  }
}

/** At exit: no script may outlive the daemon (Node cannot tie a child's life to ours). */
export function killRemainingScripts(): void {
  signalAllScripts('SIGKILL');
}
