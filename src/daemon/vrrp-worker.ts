/**
 * The VRRP worker thread: owns the sockets, timers and state machines, so that nothing the main
 * thread does (health checks, proxying, scripts, status requests) can delay an advert — the same
 * separation keepalived gets from its vrrp child process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createKernelPorts } from './kernel-ports.js';
import type { FromWorker, ToWorker, WorkerConfig } from './messages.js';
import { VrrpEngine } from './vrrp-engine.js';

if (parentPort === null) throw new Error('vrrp-worker must run as a worker thread');
const port = parentPort;

const post = (m: FromWorker) => port.postMessage(m);

async function main(config: WorkerConfig): Promise<void> {
  const kernel = await createKernelPorts(config, (event) => post({ type: 'event', event }));
  const engine = new VrrpEngine(config.plans, config.groups, kernel.ports);
  kernel.onTracking((instance, status) => engine.track(instance, status));
  let busy: Promise<unknown> = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'status':
        post({ type: 'status', id: m.id, instances: engine.status() });
        break;
      case 'stop':
        busy = busy.then(async () => {
          await engine.stop();
          kernel.close();
          post({ type: 'stopped' });
          port.close();
        });
        break;
      case 'reload':
        busy = busy.then(async () => {
          kernel.setTracking(m.config.tracking);
          const r = await engine.reconfigure(m.config.plans, m.config.groups);
          post({
            type: 'event',
            event: {
              type: 'log',
              level: 'info',
              message: `reload: kept [${r.kept.join(', ')}], restarted or removed [${r.stopped.join(', ')}], started [${r.started.join(', ')}]`,
            },
          });
        });
        break;
    }
  });
  engine.start();
  post({ type: 'started' });
}

main(workerData as WorkerConfig).catch((e: unknown) => {
  post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
});
