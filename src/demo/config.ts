/**
 * The demo's embedded per-node keepalived.conf, modelled on the seed configs: VRRPv2, PASS auth,
 * VIP 192.0.2.100, and notify_master/notify_backup/notify_fault scripts that write the node's
 * state into the page its HTTP server serves.
 */

export const DEMO_VIP = '192.0.2.100';

export interface DemoNodeConfig {
  readonly priority: number;
  /** The notify script; called with the new state as its only argument. */
  readonly notifyScript: string;
}

export function demoConfig(n: DemoNodeConfig): string {
  return `! vigil demo node (a keepalived.conf: keepalived would run it unchanged)
global_defs {
  router_id demo_${n.priority}
  enable_script_security
  script_user root
}

vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority ${n.priority}
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass d3mo
  }
  virtual_ipaddress {
    ${DEMO_VIP}/24
  }
  notify_master "${n.notifyScript} MASTER"
  notify_backup "${n.notifyScript} BACKUP"
  notify_fault "${n.notifyScript} FAULT"
}
`;
}

/** The notify script: writes the state into the file the node's HTTP server reads. */
export function notifyScript(stateFile: string): string {
  return `#!/bin/sh\necho "$1" > '${stateFile}'\n`;
}

/**
 * The node's HTTP server (node -e source): answers "<node> (<state>)", the state being what the
 * notify script last wrote, or "state unknown" until a notify script has run.
 */
export function httpServerSource(node: string, stateFile: string): string {
  return `
const http = require('node:http');
const fs = require('node:fs');
http.createServer((q, r) => {
  let state = 'state unknown';
  try { state = fs.readFileSync(${JSON.stringify(stateFile)}, 'utf8').trim() || state; } catch {}
  r.setHeader('connection', 'close');
  r.end(${JSON.stringify(node)} + ' (' + state + ')');
}).listen(80, '0.0.0.0', () => console.log('listening'));
`;
}

/** The client (node -e source): GET http://VIP/ every `everyMs`, one line per answer or failure. */
export function clientSource(vip: string, everyMs: number): string {
  return `
const http = require('node:http');
const tick = () => {
  const t = Date.now();
  const next = () => setTimeout(tick, Math.max(0, ${everyMs} - (Date.now() - t)));
  const q = http.get({ host: '${vip}', port: 80, path: '/', agent: false, timeout: ${everyMs} }, (r) => {
    let b = ''; r.on('data', (d) => { b += d; });
    r.on('end', () => { console.log(Date.now() + ' ' + b); next(); });
  });
  q.on('timeout', () => q.destroy(new Error('timeout')));
  q.on('error', (e) => { console.log(Date.now() + ' - ' + e.message); next(); });
};
tick();
`;
}
