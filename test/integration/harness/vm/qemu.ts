/**
 * Runs one command inside a throw-away VM (GUIDE.md "Test topology"): Debian's linux-image-amd64
 * booted by qemu-system-x86_64 under TCG, the host's `/` shared read-only over virtio-9p under a
 * tmpfs overlay, so the guest sees this very checkout, node and Debian's tools (ipvsadm,
 * keepalived) with nothing installed into it.
 *
 * Boot: a busybox initramfs built here (cpio.ts) loads virtio/9p/overlay from
 * /lib/modules/<version>, mounts host `/` + tmpfs overlay, switch_roots into it and runs a stage-2
 * shell script that loads the requested modules with the host's modprobe, runs the command with
 * its output on the serial console between markers, and powers the VM off. The host side reads
 * the console from qemu's stdout; a hard timeout SIGKILLs qemu, and qemu is killed whatever
 * happens to the test (process exit hook, and coreutils `timeout` around qemu if even that fails).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCpio, type CpioEntry } from './cpio.js';

const BEGIN = '@@VIGIL-VM-BEGIN@@';
const EXIT_RE = /@@VIGIL-VM-EXIT (\d+)@@/;
const QEMU = 'qemu-system-x86_64';
const BUSYBOX = '/usr/bin/busybox';
/** What the initramfs must load to reach the host's `/`. */
const BOOT_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay'];

export interface GuestKernel {
  readonly vmlinuz: string;
  readonly version: string;
}

/** A /boot/vmlinuz-* whose /lib/modules/<version> has IPVS and 9p (Debian's linux-image-amd64). */
export function findGuestKernel(): GuestKernel | undefined {
  let names: string[];
  try {
    names = readdirSync('/boot').filter((n) => n.startsWith('vmlinuz-'));
  } catch {
    return undefined;
  }
  for (const n of names.sort().reverse()) {
    const version = n.slice('vmlinuz-'.length);
    const dir = `/lib/modules/${version}`;
    if (existsSync(`${dir}/modules.dep`) && existsSync(`${dir}/kernel/net/netfilter/ipvs/ip_vs.ko`))
      return { vmlinuz: `/boot/${n}`, version };
  }
  return undefined;
}

/** Why VM tests cannot run here, or undefined when they can. */
export function vmSkipReason(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'needs root (qemu shares the host root over 9p)';
  if (spawnSync('sh', ['-c', `command -v ${QEMU}`], { stdio: 'ignore' }).status !== 0)
    return `needs ${QEMU} (Debian package qemu-system-x86)`;
  if (!existsSync(BUSYBOX)) return `needs ${BUSYBOX} (Debian package busybox-static)`;
  if (findGuestKernel() === undefined)
    return 'needs a guest kernel with IPVS: /boot/vmlinuz-* and its /lib/modules (Debian package linux-image-amd64)';
  return undefined;
}

/** Module files (paths under /lib/modules/<v>) for `names`, dependencies first, from modules.dep. */
export function resolveModules(modulesDep: string, names: readonly string[]): string[] {
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const line of modulesDep.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const file = line.slice(0, colon);
    deps.set(
      file,
      line
        .slice(colon + 1)
        .trim()
        .split(/\s+/)
        .filter(Boolean),
    );
    const base = file.slice(file.lastIndexOf('/') + 1).replace(/\.ko(\.[a-z]+)?$/, '');
    byName.set(base.replace(/-/g, '_'), file);
  }
  const out: string[] = [];
  const visit = (file: string) => {
    if (out.includes(file)) return;
    for (const d of deps.get(file) ?? []) visit(d);
    out.push(file);
  };
  for (const n of names) {
    const file = byName.get(n.replace(/-/g, '_'));
    if (file === undefined) throw new Error(`module ${n} not in modules.dep`);
    visit(file);
  }
  return out;
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function initScript(moduleFiles: readonly string[]): string {
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /host /rw /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
${moduleFiles.map((f) => `insmod /modules/${f.slice(f.lastIndexOf('/') + 1)} || echo "vm-init: insmod ${f} failed"`).join('\n')}
fail() { echo "vm-init: $*"; echo "@@VIGIL-VM-EXIT 255@@"; echo o > /proc/sysrq-trigger; sleep 5; }
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 hostroot /host || fail "9p mount failed"
mount -t tmpfs -o size=256m tmpfs /rw || fail "tmpfs failed"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot || fail "overlay failed"
cp /stage2.sh /newroot/vigil-vm-stage2.sh
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh /vigil-vm-stage2.sh
`;
}

function stage2Script(command: string, cwd: string, modprobe: readonly string[]): string {
  return `#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 NO_COLOR=1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# /tmp stays the overlay's (host /tmp read-only below, writes to the tmpfs above): a checkout
# under /tmp (as CI may clone) must stay visible to the guest.
mount -t tmpfs tmpfs /run
mkdir -p /run/netns /run/keepalived
echo 1 > /proc/sys/kernel/printk
ip link set lo up
${modprobe.length > 0 ? `modprobe -a ${modprobe.join(' ')} || echo "vm-stage2: modprobe failed"` : ''}
cd ${shQuote(cwd)}
echo ${BEGIN}
( ${command} ) </dev/null 2>&1
echo "@@VIGIL-VM-EXIT $?@@"
echo o > /proc/sysrq-trigger
sleep 10
`;
}

export interface VmRunOptions {
  /** A shell command line run by the guest's /bin/sh. */
  readonly command: string;
  /** Its working directory (a host path; the guest sees the same tree). */
  readonly cwd: string;
  /** Modules loaded with the host's modprobe before the command (ip_vs, ip_vs_rr, dummy...). */
  readonly modprobe?: readonly string[];
  /** Hard limit on the whole VM, boot included; qemu is SIGKILLed past it. Default 180 s. */
  readonly timeoutMs?: number;
  readonly memoryMb?: number;
  /** Each console line as it arrives (for live progress). */
  readonly onLine?: (line: string) => void;
}

export interface VmResult {
  /** The command's exit status; undefined when the VM died or timed out before it finished. */
  readonly exitCode: number | undefined;
  /** Console lines the command printed (between the markers). */
  readonly output: string[];
  /** The whole console, kernel messages included (for diagnostics). */
  readonly console: string;
  /** From spawning qemu to the command starting. */
  readonly bootMs: number | undefined;
  readonly totalMs: number;
  readonly timedOut: boolean;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** SIGKILLs the process group of `timeout` + qemu (spawned detached: their own group). */
function killGroup(p: ChildProcess): void {
  if (p.pid === undefined) return;
  try {
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) killGroup(p);
  });
}

/** Boots the VM, runs `opts.command` in it, and resolves when qemu has exited (it always does). */
export async function runInVm(opts: VmRunOptions): Promise<VmResult> {
  const kernel = findGuestKernel();
  if (kernel === undefined) throw new Error('no guest kernel (linux-image-amd64)');
  const modDir = `/lib/modules/${kernel.version}`;
  const moduleFiles = resolveModules(readFileSync(`${modDir}/modules.dep`, 'utf8'), BOOT_MODULES);
  const entries: CpioEntry[] = [
    { kind: 'dir', path: 'bin' },
    { kind: 'dir', path: 'modules' },
    { kind: 'file', path: 'bin/busybox', data: readFileSync(BUSYBOX), mode: 0o755 },
    { kind: 'file', path: 'init', data: Buffer.from(initScript(moduleFiles)), mode: 0o755 },
    {
      kind: 'file',
      path: 'stage2.sh',
      data: Buffer.from(stage2Script(opts.command, opts.cwd, opts.modprobe ?? [])),
      mode: 0o755,
    },
    ...moduleFiles.map(
      (f): CpioEntry => ({
        kind: 'file',
        path: `modules/${f.slice(f.lastIndexOf('/') + 1)}`,
        data: readFileSync(`${modDir}/${f}`),
      }),
    ),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'vigil-vm-'));
  const initrd = join(dir, 'initramfs.cpio');
  writeFileSync(initrd, buildCpio(entries));

  const args = [
    '-nographic',
    '-no-reboot',
    '-m',
    String(opts.memoryMb ?? 512),
    '-accel',
    'tcg',
    '-cpu',
    'max',
    '-smp',
    '1',
    '-nic',
    'none',
    '-kernel',
    kernel.vmlinuz,
    '-initrd',
    initrd,
    '-append',
    'console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init',
    '-virtfs',
    'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
  ];
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 180_000;
  killAllOnExit();
  // coreutils `timeout` enforces the limit even if this process dies without its exit hook
  // (SIGKILL): qemu never outlives the test by more than a few seconds.
  const hardLimitS = String(Math.ceil(timeoutMs / 1000) + 5);
  const child = spawn('timeout', ['-s', 'KILL', hardLimitS, QEMU, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  let consoleText = '';
  let partial = '';
  let bootMs: number | undefined;
  let exitCode: number | undefined;
  let inside = false;
  const output: string[] = [];
  const onText = (chunk: Buffer) => {
    const text = chunk.toString('utf8').replace(/\r/g, '');
    consoleText += text;
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      opts.onLine?.(line);
      if (!inside && line.includes(BEGIN)) {
        inside = true;
        bootMs = Date.now() - started;
        continue;
      }
      const m = EXIT_RE.exec(line);
      if (m) {
        exitCode = Number(m[1]);
        inside = false;
        continue;
      }
      if (inside) output.push(line);
    }
  };
  child.stdout?.on('data', onText);
  child.stderr?.on('data', (c: Buffer) => {
    consoleText += c.toString('utf8');
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, timeoutMs);
  try {
    await new Promise<void>((resolve) => {
      child.on('exit', () => resolve());
      child.on('error', () => resolve());
    });
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) killGroup(child);
    live.delete(child);
    rmSync(dir, { recursive: true, force: true });
  }
  return { exitCode, output, console: consoleText, bootMs, totalMs: Date.now() - started, timedOut };
}
