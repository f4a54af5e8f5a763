/**
 * The health-checker worker thread (keepalived's checker child process): runs every checker's
 * attempts on its own event loop, so neither slow checks nor the main thread's work can delay
 * the other; the VRRP thread is separate again. Log lines and notifications go to the main
 * thread, which owns the log, scripts, FIFOs and mail.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { defaultRegistry } from '../check/registry.js';
import { CheckerService } from '../check/service.js';
import { RecordingDriver } from '../lvs/driver.js';
import { lazyDriver } from '../lvs/select.js';
import { runScriptsAtNice } from '../scripts/runner.js';
import { type LocalAddressWatch, watchLocalAddresses } from './local-addresses.js';
import type { CheckerWorkerConfig, FromChecker, ToChecker } from './messages.js';
import { currentThreadNice, setThreadNice, setThreadRealtime } from './thread-priority.js';

if (parentPort === null) throw new Error('checker-worker must run as a worker thread');
const port = parentPort;
const post = (m: FromChecker) => port.postMessage(m);

const usesHaSuspend = (c: CheckerWorkerConfig) => c.plan.virtualServers.some((v) => v.haSuspend);

async function main(config: CheckerWorkerConfig): Promise<void> {
  // checker_priority: below the VRRP thread, so that a storm of checks does not delay adverts.
  const ownNice = currentThreadNice();
  const niceError = setThreadNice(config.nice);
  if (niceError !== undefined)
    post({ type: 'event', event: { type: 'log', level: 'info', message: niceError } });
  // MISC_CHECK scripts run at the daemon's priority, as keepalived's do, not at the checker's.
  else if (config.nice !== undefined && config.nice !== ownNice) runScriptsAtNice(ownNice);
  // checker_rt_priority: SCHED_RR with reset-on-fork, so its scripts start as normal processes.
  if (config.rtPriority !== undefined)
    setThreadRealtime(config.rtPriority, (error) => {
      if (error !== undefined)
        post({ type: 'event', event: { type: 'log', level: 'warning', message: error } });
    });
  // The data plane: --lvs-driver, else IPVS when the kernel has it, else nftables (src/lvs/select.ts).
  const driver = lazyDriver({
    forced: config.lvsDriver,
    plan: config.plan,
    ...(config.ipvsRecord !== undefined ? { ipvsRecord: config.ipvsRecord } : {}),
    log: (level, message) => post({ type: 'event', event: { type: 'log', level, message } }),
    fallback: () => new RecordingDriver(),
  });
  // --http only: prom-client is loaded in this thread only when its histogram is wanted (~12 MB RSS).
  const metrics = config.metrics
    ? new (await import('../http/metrics.js')).CheckerThreadMetrics()
    : undefined;
  const service = new CheckerService(config.plan, {
    registry: defaultRegistry,
    driver,
    emit: (event) => post({ type: 'event', event }),
    ...(metrics !== undefined ? { observe: (t, ok, ms) => metrics.observe(t, ok, ms) } : {}),
  });
  const log = (level: 'warning' | 'error', message: string) =>
    post({ type: 'event', event: { type: 'log', level, message } });
  // ha_suspend needs the host's addresses, known before the checkers start (keepalived's first
  // lines say "Deactivating" for a suspended virtual server); watched from the first plan using it.
  let addresses: LocalAddressWatch | undefined;
  let watching: Promise<void> | undefined;
  const watchAddresses = () =>
    (watching ??= watchLocalAddresses(
      (set) => service.setLocalAddresses(set),
      (e) => log('warning', `address watch: ${e.message}`),
    ).then(
      (w) => {
        addresses = w;
      },
      (e: unknown) =>
        log(
          'error',
          `ha_suspend: cannot watch the host's addresses (${(e as Error).message}): checkers stay active`,
        ),
    ));
  if (usesHaSuspend(config)) await watchAddresses();
  port.on('message', (m: ToChecker) => {
    switch (m.type) {
      case 'status':
        post({ type: 'status', id: m.id, virtualServers: service.status() });
        break;
      case 'lvs':
        void driver.view?.().then(
          (view) => post({ type: 'lvs', id: m.id, view }),
          (e: unknown) =>
            post({ type: 'lvs', id: m.id, view: { driver: `error: ${String(e)}`, table: { services: [] } } }),
        );
        break;
      case 'metrics':
        void (metrics?.text(service.status()) ?? Promise.resolve('')).then((text) =>
          post({ type: 'metrics', id: m.id, text }),
        );
        break;
      case 'reload':
        service.reload(m.config.plan);
        if (usesHaSuspend(m.config)) void watchAddresses();
        break;
      case 'stop':
        addresses?.close();
        void service.stop().then(() => {
          post({ type: 'stopped' });
          port.close();
        });
        break;
    }
  });
  service.start();
  post({ type: 'started' });
}

main(workerData as CheckerWorkerConfig).catch((e: unknown) =>
  post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) }),
);
