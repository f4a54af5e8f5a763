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
import type { CheckerWorkerConfig, FromChecker, ToChecker } from './messages.js';

if (parentPort === null) throw new Error('checker-worker must run as a worker thread');
const port = parentPort;
const post = (m: FromChecker) => port.postMessage(m);

function main(config: CheckerWorkerConfig): void {
  // No kernel data plane yet (IPVS comes with the driver issue): the desired table is held here
  // and shown by `vigil status`.
  const driver = new RecordingDriver();
  const service = new CheckerService(config.plan, {
    registry: defaultRegistry,
    driver,
    emit: (event) => post({ type: 'event', event }),
  });
  port.on('message', (m: ToChecker) => {
    switch (m.type) {
      case 'status':
        post({ type: 'status', id: m.id, virtualServers: service.status() });
        break;
      case 'reload':
        service.reload(m.config.plan);
        break;
      case 'stop':
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

try {
  main(workerData as CheckerWorkerConfig);
} catch (e) {
  post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
}
