/**
 * `vigil demo` (`npm start`): the whole seed system live on this machine, as root, in about 30 s.
 * Two LVS directors run vigil on one keepalived.conf (config.ts): a VRRP instance holding the VIP
 * and the real servers' gateway, and a virtual_server (NAT, rr) with two web servers checked by
 * HTTP_GET. A client opens a new connection to the VIP every 100 ms. The story, each step measured
 * and judged (timeline.ts): traffic spreads over both real servers; rs1 is killed and removed
 * within its check interval, after which nothing fails; the master director dies and the backup
 * takes the VIPs and serves the same table; rs1 returns and is back in rotation. The LVS driver is
 * the one vigil picks at start-up (IPVS where the kernel has it, nftables otherwise).
 * Everything (namespaces, processes, temp files) is removed at the end, on errors and on Ctrl-C;
 * the exit status is 1 when a step's expectation fails.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { askStatusSocket } from '../cli/status.js';
import { statusSocketPath } from '../daemon/status-types.js';
import type { LvsView } from '../lvs/driver.js';
import { formatLvs } from '../lvs/format.js';
import {
  ADVERT_INT_S,
  CLIENT,
  CONNECT_TIMEOUT_S,
  clientSource,
  DELAY_LOOP_S,
  DEMO_GATEWAY,
  DEMO_HOSTS,
  DEMO_VIP,
  DIRECTORS,
  demoConfig,
  REAL_SERVERS,
  realServerSource,
} from './config.js';
import { createDemoLan, type DemoLan } from './netns.js';
import {
  type Fetch,
  firstAnswer,
  formatTally,
  noFailureVerdict,
  parseFetch,
  spreadVerdict,
  tally,
  type Verdict,
  withinVerdict,
} from './timeline.js';

const MAIN_JS = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const FETCH_EVERY_MS = 100;
const FETCH_TIMEOUT_MS = 500;
const SERVERS = REAL_SERVERS.map((r) => r.name);

/** Bounds of the judged durations. */
const REMOVAL_BOUND_MS = (DELAY_LOOP_S + CONNECT_TIMEOUT_S + 1) * 1000;
/** master_down_interval = 3 × advert_int + skew, from the last advert (up to advert_int before the kill). */
const TAKEOVER_BOUND_MS = (4 * ADVERT_INT_S + 2) * 1000;
// Two check intervals and slack. keepalived 2.2.7's HTTP_GET (check_http.c epilog) brings a
// down server back only after two passing passes: the first clears failed_url and restarts at the
// first url, the second (delay_loop later) marks the checker up. vigil matches it (lifecycle.ts
// urlOutcome), so the return takes up to 2 x delay_loop after the server listens.
const RETURN_BOUND_MS = (2 * DELAY_LOOP_S + 3) * 1000;

export interface DemoResult {
  readonly verdicts: readonly Verdict[];
  /** Measured durations, ms. */
  readonly figures: Readonly<Record<string, number>>;
  /** The LVS driver the directors chose. */
  readonly driver: string;
  /** The temporary directory it used (removed by now). */
  readonly workDir: string;
}

export interface DemoOptions {
  /** Where the story goes, line by line (stdout by default). */
  readonly print?: (line: string) => void;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns something defined; rejects after `timeoutMs`. */
async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await pause(everyMs);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Lines of a child's stdout and stderr. */
function follow(child: ChildProcess, onLine: (line: string) => void): void {
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
}

/** The vigil log lines worth showing: VRRP states, the driver, checker verdicts, table changes. */
const SHOWN = /Entering|LVS driver|HTTP_CHECK|Remote Web server|LVS table applied|rror/;

class Scenario {
  readonly t0 = Date.now();
  readonly fetches: Fetch[] = [];
  readonly verdicts: Verdict[] = [];
  readonly figures: Record<string, number> = {};
  /** Per director: when it last logged entering MASTER. */
  readonly masterAt = new Map<string, number>();
  readonly vigils = new Map<string, ChildProcess>();
  readonly servers = new Map<string, ChildProcess>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    readonly lan: DemoLan,
    readonly dir: string,
    readonly print: (line: string) => void,
  ) {}

  say(line: string): void {
    this.print(`${((Date.now() - this.t0) / 1000).toFixed(1).padStart(5)}s  ${line}`);
  }

  judge(v: Verdict): void {
    this.verdicts.push(v);
    this.say(`${v.ok ? 'OK  ' : 'FAIL'} ${v.step}: ${v.detail}`);
  }

  pidFile = (director: string) => join(this.dir, `${director}.pid`);

  async startRealServer(name: string): Promise<void> {
    const child = this.lan.spawn(name, process.execPath, ['-e', realServerSource(name)]);
    this.servers.set(name, child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.once('data', () => resolve());
      child.once('exit', () => reject(new Error(`the web server on ${name} did not start`)));
    });
  }

  startVigil(director: string): void {
    const child = this.lan.spawn(director, process.execPath, [
      MAIN_JS,
      '-n',
      '-l',
      '-D',
      '-f',
      join(this.dir, 'keepalived.conf'),
      '-i',
      director,
      '-p',
      this.pidFile(director),
    ]);
    this.vigils.set(director, child);
    follow(child, (raw) => {
      const l = raw.replace(/^\S+ vigil\[\d+\]: /, '');
      if (/Entering MASTER STATE/.test(l)) this.masterAt.set(director, Date.now());
      if (SHOWN.test(l)) this.say(`  [vigil@${director}] ${l}`);
    });
  }

  startClient(): ChildProcess {
    const child = this.lan.spawn(CLIENT.name, process.execPath, [
      '-e',
      clientSource(FETCH_EVERY_MS, FETCH_TIMEOUT_MS),
    ]);
    follow(child, (line) => {
      const f = parseFetch(line);
      if (f !== undefined) this.fetches.push(f);
    });
    // The timeline: one line a second with the answers of that second.
    let from = Date.now();
    this.ticker = setInterval(() => {
      const to = Date.now();
      this.say(`client: ${formatTally(tally(this.fetches, from, to), SERVERS)}`);
      from = to;
    }, 1000);
    return child;
  }

  stopTicker(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
  }

  /** The director's LVS view through its status socket, or undefined when it does not answer. */
  async view(director: string): Promise<LvsView | undefined> {
    try {
      const v = JSON.parse(await askStatusSocket(statusSocketPath(this.pidFile(director)), 2000, 'lvs')) as
        | LvsView
        | { error: string };
      return 'error' in v ? undefined : v;
    } catch {
      return undefined;
    }
  }

  showTable(director: string, v: LvsView): void {
    for (const l of formatLvs(v).trimEnd().split('\n')) this.say(`    ${director}| ${l}`);
  }

  /** The addresses of the real servers in service (weight > 0) in the view. */
  static dests(v: LvsView): string[] {
    return v.table.services.flatMap((s) => s.dests.filter((d) => d.weight > 0).map((d) => d.address));
  }
}

const REQUIRED = ['ip', 'nft'];

/** Runs the whole story; the caller prints the verdicts. Always cleans up before it returns. */
export async function runSeedDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const print = opts.print ?? ((l: string) => console.log(l));
  for (const cmd of REQUIRED)
    if (spawnSync(cmd, ['-V'], { stdio: 'ignore' }).error !== undefined)
      throw new Error(
        `needs the ${cmd} command (Debian: apt-get install ${cmd === 'ip' ? 'iproute2' : 'nftables'})`,
      );
  const dir = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  let lan: DemoLan | undefined;
  const cleanup = () => {
    lan?.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = () => {
    print('\ninterrupted: cleaning up');
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', cleanup);
  let s: Scenario | undefined;
  try {
    lan = await createDemoLan(DEMO_HOSTS);
    s = new Scenario(lan, dir, print);
    return await story(s);
  } finally {
    s?.stopTicker();
    cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', cleanup);
  }
}

async function story(s: Scenario): Promise<DemoResult> {
  const { lan, dir } = s;
  const [d1, d2] = [DIRECTORS[0].name, DIRECTORS[1].name];
  const rs1 = REAL_SERVERS[0];
  for (const d of DIRECTORS)
    for (const k of [
      'net.ipv4.ip_forward=1',
      // One L2 segment carries both subnets: no ICMP redirects that would bypass the NAT.
      'net.ipv4.conf.all.send_redirects=0',
      'net.ipv4.conf.eth0.send_redirects=0',
    ])
      await lan.exec(d.name, 'sysctl', ['-q', '-w', k]);
  writeFileSync(join(dir, 'keepalived.conf'), demoConfig());
  for (const r of REAL_SERVERS) await s.startRealServer(r.name);

  s.print('vigil demo: two LVS directors (VRRP + HTTP_GET health checks), two web servers, a client\n');
  for (const d of DIRECTORS)
    s.print(
      `  ${d.name.padEnd(9)} ${d.addrs.join(', ')}  vigil -f keepalived.conf -i ${d.name} (${d.state}, priority ${d.priority})`,
    );
  for (const r of REAL_SERVERS)
    s.print(`  ${r.name.padEnd(9)} ${r.address}/24, gateway ${DEMO_GATEWAY}: answers "${r.name}"`);
  s.print(
    `  ${CLIENT.name.padEnd(9)} ${CLIENT.address}/24: a new connection to http://${DEMO_VIP}/ every ${FETCH_EVERY_MS} ms`,
  );
  s.print(
    `  keepalived.conf (${join(dir, 'keepalived.conf')}): VI_1 holds ${DEMO_VIP} and the real servers' gateway ${DEMO_GATEWAY}; virtual_server ${DEMO_VIP}:80 rr NAT, HTTP_GET every ${DELAY_LOOP_S} s\n`,
  );

  // 1. Both directors start; the client's traffic spreads over both real servers.
  s.startVigil(d1);
  s.startVigil(d2);
  await until(() => s.masterAt.get(d1), 15_000, `${d1} MASTER`);
  const client = s.startClient();
  const first = await until(() => firstAnswer(s.fetches, s.t0), 20_000, 'a first answer through the VIP');
  s.figures.firstAnswerMs = first.end - s.t0;
  const v1 = await until(() => s.view(d1), 5000, `${d1}'s LVS table`);
  s.showTable(d1, v1);
  await pause(3000); // traffic to show the spread
  s.judge(
    spreadVerdict(
      'traffic spreads over both real servers',
      tally(s.fetches, first.start, Date.now()),
      SERVERS,
    ),
  );

  // 2. rs1 dies: HTTP_GET removes it within its check interval; nothing fails after that.
  s.say(`*** SIGKILL the web server on ${rs1.name}`);
  const killedRs = Date.now();
  s.servers.get(rs1.name)?.kill('SIGKILL');
  const removed = await until(
    async () => {
      const v = await s.view(d1);
      return v !== undefined && !Scenario.dests(v).includes(rs1.address) ? Date.now() : undefined;
    },
    REMOVAL_BOUND_MS + 5000,
    `${rs1.name} removed from ${d1}'s table`,
  ).catch(() => undefined);
  s.figures.removalMs = removed === undefined ? Number.NaN : removed - killedRs;
  s.judge(
    withinVerdict(
      `${rs1.name} removed from the table`,
      removed && removed - killedRs,
      REMOVAL_BOUND_MS,
      'kill → removal',
    ),
  );
  const between = tally(s.fetches, killedRs, removed ?? Date.now());
  s.say(
    `    before the removal: ${between.failed} of ${between.total} requests failed (connections refused by ${rs1.name})`,
  );
  const tableBefore = await s.view(d1);
  if (tableBefore !== undefined) s.showTable(d1, tableBefore);
  await pause(3000);
  const afterRemoval = removed ?? Date.now();
  s.judge(
    noFailureVerdict(
      `no request fails after the removal`,
      tally(s.fetches, afterRemoval, Date.now()),
      rs1.name,
    ),
  );

  // 3. The master director dies; the backup takes the VIPs and serves the same table.
  s.say(`*** ${d1} dies: its link goes down, its vigil gets SIGKILL`);
  await lan.exec(d1, 'ip', ['link', 'set', 'eth0', 'down']);
  // From here on only director2 can answer: a fetch that starts later proves the takeover.
  const killedDir = Date.now();
  s.vigils.get(d1)?.kill('SIGKILL');
  const served = await until(
    () => firstAnswer(s.fetches, killedDir),
    TAKEOVER_BOUND_MS + 10_000,
    'an answer after the takeover',
  ).catch(() => undefined);
  const master = s.masterAt.get(d2);
  s.figures.vrrpTakeoverMs = master !== undefined && master >= killedDir ? master - killedDir : Number.NaN;
  s.figures.servedAgainMs = served === undefined ? Number.NaN : served.end - killedDir;
  s.judge(
    withinVerdict(
      `${d2} takes over`,
      served && served.end - killedDir,
      TAKEOVER_BOUND_MS,
      `kill → ${d2} MASTER ${Number.isNaN(s.figures.vrrpTakeoverMs) ? '?' : (s.figures.vrrpTakeoverMs / 1000).toFixed(2)} s, → first answer`,
    ),
  );
  const during = tally(s.fetches, killedDir, served?.start ?? Date.now());
  s.say(`    during the takeover: ${during.failed} of ${during.total} requests failed`);
  const v2 = await s.view(d2);
  if (v2 !== undefined) s.showTable(d2, v2);
  const same =
    v2 !== undefined &&
    tableBefore !== undefined &&
    JSON.stringify(v2.table) === JSON.stringify(tableBefore.table);
  s.judge({
    step: `${d2} serves the same table`,
    ok: same,
    detail: same
      ? `${Scenario.dests(v2!).join(', ')} (as ${d1} had)`
      : `${d2}: ${v2 === undefined ? 'no table' : Scenario.dests(v2).join(', ')}`,
  });
  await pause(2000);
  s.judge(
    noFailureVerdict(
      'new connections work after the takeover',
      tally(s.fetches, served?.end ?? Date.now(), Date.now()),
      rs1.name,
    ),
  );

  // 4. rs1 returns and is back in rotation.
  s.say(`*** the web server on ${rs1.name} starts again`);
  await s.startRealServer(rs1.name);
  // Timed from when it listens: a node process's own start-up (seconds on a loaded machine) is
  // not the checker's doing.
  const returned = Date.now();
  const back = await until(
    () => firstAnswer(s.fetches, returned, rs1.name),
    RETURN_BOUND_MS + 5000,
    `${rs1.name} back`,
  ).catch(() => undefined);
  s.figures.returnMs = back === undefined ? Number.NaN : back.end - returned;
  s.judge(
    withinVerdict(
      `${rs1.name} back in rotation`,
      back && back.end - returned,
      RETURN_BOUND_MS,
      'listening → first answer from it',
    ),
  );
  await pause(2000);
  s.judge(
    spreadVerdict(
      'traffic spreads over both again',
      tally(s.fetches, back?.start ?? returned, Date.now()),
      SERVERS,
    ),
  );
  s.stopTicker();

  // 5. Stop: vigil removes what it added to the kernel.
  client.kill('SIGKILL');
  const driver = (await s.view(d2))?.driver ?? 'unknown';
  s.say(`*** SIGTERM to vigil on ${d2}`);
  const vigil2 = s.vigils.get(d2)!;
  vigil2.kill('SIGTERM');
  await Promise.race([exited(vigil2), pause(5000)]);
  if (driver === 'nftables') {
    const tables = await lan.exec(d2, 'nft', ['list', 'tables']);
    s.judge({
      step: 'stop removes the LVS table',
      ok: !/vigil_lvs/.test(tables),
      detail: `nft list tables on ${d2}: ${tables.trim().replace(/\n/g, ', ') || 'none'}`,
    });
  }
  return { verdicts: s.verdicts, figures: s.figures, driver, workDir: dir };
}

/** `vigil demo`: runs the story, prints the verdicts; 0 when every step met its expectation. */
export async function runDemo(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error('vigil demo: needs root (it creates network namespaces); try: sudo vigil demo');
    return 1;
  }
  try {
    const r = await runSeedDemo();
    const failed = r.verdicts.filter((v) => !v.ok);
    const f = r.figures;
    const s = (ms: number | undefined) =>
      ms === undefined || Number.isNaN(ms) ? '?' : `${(ms / 1000).toFixed(2)} s`;
    console.log(`\nLVS driver: ${r.driver}`);
    console.log(
      `measured: real server kill → removal ${s(f.removalMs)}; director kill → backup MASTER ${s(f.vrrpTakeoverMs)}, → served again ${s(f.servedAgainMs)}; real server listening → in rotation ${s(f.returnMs)}`,
    );
    for (const v of r.verdicts) console.log(`  ${v.ok ? 'OK  ' : 'FAIL'} ${v.step}`);
    console.log(
      failed.length === 0
        ? '\ndemo finished: every step as expected; namespaces, processes and temp files removed'
        : `\ndemo finished with ${failed.length} failed step(s); namespaces, processes and temp files removed`,
    );
    return failed.length === 0 ? 0 : 1;
  } catch (e) {
    console.error(`vigil demo failed: ${(e as Error).message}`);
    return 1;
  }
}
