/**
 * `vigil demo`: a live failover on this machine (needs root). Two vigil nodes and a client in
 * network namespaces; the client fetches http://192.0.2.100/ every 200 ms and prints which node
 * answered; the master is SIGKILLed, the answer switches to the backup; the old master comes back
 * and preempts. Everything (namespaces, processes, temp files) is removed at the end, on errors and
 * on Ctrl-C.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientSource, DEMO_VIP, demoConfig, httpServerSource, notifyScript } from './config.js';
import { createDemoLan, type DemoLan } from './netns.js';

const MAIN_JS = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const POLL_MS = 200;

interface Answer {
  readonly t: number;
  /** The node that answered, or undefined when nothing did. */
  readonly node: string | undefined;
  readonly text: string;
}

class Demo {
  readonly t0 = Date.now();
  readonly answers: Answer[] = [];
  private readonly waiters = new Set<() => void>();
  constructor(
    readonly lan: DemoLan,
    readonly dir: string,
  ) {}

  stamp(): string {
    return `${((Date.now() - this.t0) / 1000).toFixed(1).padStart(5)}s`;
  }

  say(line: string): void {
    console.log(`${this.stamp()}  ${line}`);
  }

  /** Lines of a child's output, without vigil's timestamp prefix. */
  follow(child: ChildProcess, onLine: (line: string) => void): void {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) onLine(l.replace(/^\S+ vigil\[\d+\]: /, ''));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  }

  startVigil(node: string): ChildProcess {
    const d = join(this.dir, node);
    const child = this.lan.spawn(node, process.execPath, [
      MAIN_JS,
      '-n',
      '-l',
      '-f',
      join(d, 'keepalived.conf'),
      '-p',
      join(d, 'vigil.pid'),
    ]);
    this.follow(child, (l) => {
      if (/Entering|Stopp|error/.test(l)) this.say(`  [vigil@${node}] ${l}`);
    });
    return child;
  }

  onAnswer(a: Answer): void {
    this.answers.push(a);
    for (const w of this.waiters) w();
  }

  /** Resolves with the time of the first answer from `node` after `since`; rejects after `timeoutMs`. */
  answeredBy(node: string, since: number, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const a = this.answers.find((x) => x.t >= since && x.node === node);
        if (a === undefined) return;
        cleanup();
        resolve(a.t);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no answer from ${node} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

export async function runDemo(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error('vigil demo: needs root (it creates network namespaces); try: sudo vigil demo');
    return 1;
  }
  console.log('vigil demo: two VRRP nodes and a client on a private LAN in network namespaces\n');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  let lan: DemoLan | undefined;
  const cleanup = () => {
    lan?.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = () => {
    console.log('\ninterrupted: cleaning up');
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', cleanup);
  try {
    lan = await createDemoLan(['node1', 'node2', 'client']);
    const demo = new Demo(lan, dir);
    for (const [node, priority] of [
      ['node1', 150],
      ['node2', 100],
    ] as const) {
      const d = join(dir, node);
      mkdirSync(d);
      const script = join(d, 'notify.sh');
      writeFileSync(script, notifyScript(join(d, 'state')));
      chmodSync(script, 0o755);
      writeFileSync(join(d, 'keepalived.conf'), demoConfig({ priority, notifyScript: script }));
      const http = lan.spawn(node, process.execPath, ['-e', httpServerSource(node, join(d, 'state'))]);
      await new Promise<void>((resolve, reject) => {
        http.stdout?.once('data', () => resolve());
        http.once('exit', () => reject(new Error(`the HTTP server on ${node} failed`)));
      });
      console.log(
        `  ${node}: ${lan.hosts.get(node)!.ipv4}, vigil priority ${priority}, HTTP server on :80 answers "${node} (<state>)"`,
      );
    }
    console.log(
      `  client: ${lan.hosts.get('client')!.ipv4}, fetches http://${DEMO_VIP}/ every ${POLL_MS} ms`,
    );
    console.log(`  config: VRRPv2, advert_int 1, PASS auth, VIP ${DEMO_VIP}, notify scripts (${dir})\n`);

    let node1 = demo.startVigil('node1');
    const node2 = demo.startVigil('node2');
    const client = lan.spawn('client', process.execPath, ['-e', clientSource(DEMO_VIP, POLL_MS)]);
    let last: string | undefined;
    demo.follow(client, (line) => {
      const [t, ...rest] = line.split(' ');
      const text = rest.join(' ');
      const node = text.startsWith('-') ? undefined : text.split(' ')[0];
      demo.onAnswer({ t: Number(t), node, text });
      const mark = node !== last ? '   <== changed' : '';
      last = node;
      demo.say(
        `client: ${node === undefined ? `no answer (${text.slice(2)})` : `answered by ${text}`}${mark}`,
      );
    });

    await demo.answeredBy('node1', demo.t0, 20000);
    await pause(4000);

    demo.say('*** SIGKILL vigil on node1 (the master): it cannot send priority 0 or remove its VIP');
    const killedAt = Date.now();
    node1.kill('SIGKILL');
    const tookOver = await demo.answeredBy('node2', killedAt, 15000);
    demo.say(
      `*** node2 answers ${((tookOver - killedAt) / 1000).toFixed(2)} s after the kill ` +
        '(master-down interval: 3 x 1 s + skew 0.61 s, counted from the last advert)',
    );
    await pause(3000);

    demo.say('*** restarting vigil on node1 (priority 150): it preempts node2 (priority 100)');
    const restartedAt = Date.now();
    node1 = demo.startVigil('node1');
    const back = await demo.answeredBy('node1', restartedAt, 15000);
    demo.say(`*** node1 answers again ${((back - restartedAt) / 1000).toFixed(2)} s after its restart`);
    await pause(2000);

    demo.say('*** stopping: SIGTERM to both vigils (the master sends priority 0 and removes the VIP)');
    client.kill('SIGKILL');
    node1.kill('SIGTERM');
    node2.kill('SIGTERM');
    await Promise.all([exited(node1), exited(node2)]);
    console.log('\ndemo finished: namespaces, processes and temp files removed');
    return 0;
  } catch (e) {
    console.error(`vigil demo failed: ${(e as Error).message}`);
    return 1;
  } finally {
    cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', cleanup);
  }
}
