/** A short human summary of a config model (what `vigil -t` prints without --json). Pure. */
import type { KeepalivedConfig } from './model.js';

export function summarizeModel(m: KeepalivedConfig): string {
  const out: string[] = [];
  for (const i of m.instances) {
    const vips = i.virtualIpaddress.map((v) => `${v.address}/${v.prefixLen}`).join(' ');
    out.push(
      `vrrp_instance ${i.name}: state ${i.state ?? 'BACKUP'} interface ${i.interface ?? '-'} vrid ${i.virtualRouterId ?? '-'}` +
        ` priority ${i.priority} advert ${i.advertIntMs}ms v${i.version}${i.nopreempt ? ' nopreempt' : ''} VIPs ${vips || '-'}`,
    );
  }
  for (const g of m.syncGroups)
    out.push(`vrrp_sync_group ${g.name}: ${g.group.map((x) => x.name).join(' ')}`);
  for (const s of m.vrrpScripts) {
    out.push(`vrrp_script ${s.name}: ${s.script?.command ?? '-'} every ${s.intervalMs}ms weight ${s.weight}`);
  }
  for (const vs of m.virtualServers) {
    const a = vs.address;
    const addr =
      a.kind === 'ip'
        ? `${a.address} ${a.port ?? '*'}`
        : a.kind === 'fwmark'
          ? `fwmark ${a.fwmark}`
          : `group ${a.group}`;
    out.push(
      `virtual_server ${addr} ${vs.protocol} ${vs.lvsSched}/${vs.lvsMethod}: ${vs.realServers.length} real server(s)`,
    );
    for (const rs of vs.realServers) {
      out.push(
        `  real_server ${rs.address} ${rs.port ?? '*'} weight ${rs.weight} checks ${rs.checkers.map((c) => c.type).join(',') || '-'}`,
      );
    }
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
