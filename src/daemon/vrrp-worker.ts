/**
 * The VRRP worker thread: owns the sockets, timers and state machines, so that nothing the main
 * thread does (health checks, proxying, scripts, status requests) can delay an advert — the same
 * separation keepalived gets from its vrrp child process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TrackingStatus } from '../vrrp/types.js';
import { createKernelPorts } from './kernel-ports.js';
import { combineTracking } from './link-tracking.js';
import type { FromWorker, PrimaryInterfacePlan, ToWorker, WorkerConfig } from './messages.js';
import { type InstancePlan, noSourceReason, resolveSource, withSource } from './plan.js';
import { setThreadNice, setThreadRealtime } from './thread-priority.js';
import { VrrpEngine } from './vrrp-engine.js';

if (parentPort === null) throw new Error('vrrp-worker must run as a worker thread');
const port = parentPort;

const post = (m: FromWorker) => port.postMessage(m);

async function main(config: WorkerConfig): Promise<void> {
  const niceError = setThreadNice(config.nice);
  if (niceError !== undefined)
    post({ type: 'event', event: { type: 'log', level: 'info', message: niceError } });
  if (config.rtPriority !== undefined)
    setThreadRealtime(config.rtPriority, (error) => {
      if (error !== undefined)
        post({
          type: 'event',
          event: { type: 'log', level: config.rtPriorityIsDefault ? 'info' : 'warning', message: error },
        });
    });
  const kernel = await createKernelPorts(config, (event) => post({ type: 'event', event }));
  // Advert sources come from the live address table: an instance whose interface has no address
  // yet (DHCP at boot) or whose unicast_src_ip is not on the host waits in FAULT until it appears.
  let plans = new Map(config.plans.map((p) => [p.name, p]));
  const sources = new Map<string, string | undefined>();
  /** The plans with their sources from the live address table, which `sources` records. */
  const withLiveSources = (ps: readonly InstancePlan[]) =>
    ps.map((p) => {
      const src = resolveSource(p, kernel.host);
      sources.set(p.name, src);
      return withSource(p, src);
    });
  kernel.configureInterfaces(config.plans);
  const engine = new VrrpEngine(withLiveSources(config.plans), config.groups, kernel.ports);

  // Tracking = the main thread's status (scripts, files, processes, track_interface) combined
  // with the primary interface's link state, which is seen here without a thread hop.
  let primary: readonly PrimaryInterfacePlan[] = config.primary;
  const external = new Map<string, TrackingStatus>();
  const pushed = new Map<string, string>();
  const retrack = (instance: string, force = false) => {
    const p = primary.find((x) => x.instance === instance);
    // The instance's interface and its VMAC: the first one down puts the instance in FAULT.
    const names = p?.interface != null ? [p.interface, ...(p.vmac !== undefined ? [p.vmac] : [])] : [];
    const down = names.find((n) => !(kernel.links.get(n) ?? false));
    const first = down ?? names[0];
    const link = first !== undefined ? { name: first, up: down === undefined } : undefined;
    const plan = plans.get(instance);
    const noSource =
      plan !== undefined && sources.get(instance) === undefined ? noSourceReason(plan) : undefined;
    const local = [plan?.configFault, noSource].filter((w) => w !== undefined).join('; ');
    const status = combineTracking(external.get(instance), link, local === '' ? undefined : local);
    const key = JSON.stringify([status.weight, status.fault]);
    const nominal = !status.fault && status.weight === 0;
    if (pushed.get(instance) === key || (!force && !pushed.has(instance) && nominal)) return;
    pushed.set(instance, key);
    engine.track(instance, status);
  };
  const retrackAll = () => {
    for (const p of config.plans) retrack(p.name);
  };
  kernel.onLink((name, up) => {
    post({ type: 'link', name, up });
    retrackAll();
  });
  for (const [name, up] of kernel.links) post({ type: 'link', name, up });
  const resolveSources = () => {
    for (const p of plans.values()) {
      const src = resolveSource(p, kernel.host);
      if (sources.get(p.name) === src) continue;
      sources.set(p.name, src);
      // The socket first, then the fault lifted: the instance must be able to advertise.
      engine.setSource(p.name, src);
      retrack(p.name);
    }
  };
  kernel.onAddresses(resolveSources);

  let trackingReady = () => {};
  const ready = new Promise<void>((resolve) => {
    trackingReady = resolve;
  });
  let busy: Promise<unknown> = Promise.resolve();
  let stopping = false;
  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'tracking-ready':
        trackingReady();
        break;
      case 'status':
        post({ type: 'status', id: m.id, instances: engine.status() });
        break;
      case 'track':
        external.set(m.instance, m.status);
        retrack(m.instance, true);
        break;
      case 'stop':
        stopping = true;
        busy = busy.then(async () => {
          await engine.stop();
          // keepalived removes its VMACs on stop (their addresses go with them).
          await kernel.shutdown().catch((e: unknown) => {
            post({ type: 'event', event: { type: 'log', level: 'error', message: `stop: ${String(e)}` } });
            kernel.close();
          });
          post({ type: 'stopped' });
          port.close();
        });
        break;
      case 'reload':
        busy = busy.then(async () => {
          primary = m.config.primary;
          plans = new Map(m.config.plans.map((p) => [p.name, p]));
          kernel.configureInterfaces(m.config.plans);
          kernel.configureFirewall(m.config.firewall);
          // New or changed VMACs exist before the instances use them; unused ones go afterwards.
          await kernel.ensureVmacs(m.config.plans);
          const r = await engine.reconfigure(withLiveSources(m.config.plans), m.config.groups);
          await kernel.pruneVmacs(m.config.plans);
          for (const name of r.started) pushed.delete(name);
          retrackAll();
          const same = new Set([...r.kept, ...r.reloaded]);
          post({ type: 'reloaded', unchanged: engine.status().filter((i) => same.has(i.name)) });
          post({
            type: 'event',
            event: {
              type: 'log',
              level: 'info',
              message: `reload: kept [${r.kept.join(', ')}], reloaded in place [${r.reloaded.join(', ')}], restarted or removed [${r.stopped.join(', ')}], started [${r.started.join(', ')}]`,
            },
          });
        });
        break;
    }
  });
  // keepalived reads track files and scans processes before its instances start: wait for the main
  // thread's first statuses (sent before 'tracking-ready'), so that an instance whose track_file
  // already means FAULT starts in FAULT, not BACKUP, and notifies with its effective priority.
  await Promise.race([ready, new Promise((r) => setTimeout(r, 2000))]);
  // vrrp_startup_delay: give the network time to settle after boot before any instance runs.
  if (config.startupDelayMs > 0) {
    post({
      type: 'event',
      event: { type: 'log', level: 'info', message: `delaying VRRP startup for ${config.startupDelayMs} ms` },
    });
    await new Promise((r) => setTimeout(r, config.startupDelayMs));
  }
  if (stopping) return;
  // use_vmac: the instances' macvlans exist (and are up) before any socket is bound to them. A
  // stop meanwhile waits for this (it is on the `busy` chain), then removes them.
  const setup = kernel.ensureVmacs(config.plans);
  busy = busy.then(() => setup.catch(() => {}));
  try {
    await setup;
  } catch (e) {
    await kernel.shutdown().catch(() => {});
    throw e;
  }
  if (stopping) return;
  // A primary interface that is already down at startup means FAULT from the start.
  resolveSources();
  retrackAll();
  engine.start();
  post({ type: 'started' });
}

main(workerData as WorkerConfig).catch((e: unknown) => {
  post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
});
