/** Shared helpers for config-model unit tests: run the pipeline on text with a fake host. */
import { type Diagnostic, formatDiagnostic } from '../../../../src/config/diagnostics.js';
import { memoryConfigSource } from '../../../../src/config/fs-source.js';
import { type LoadResult, loadConfigText } from '../../../../src/config/load.js';
import type { FileInfo, HostFacts } from '../../../../src/config/validate.js';

export interface FakeHost {
  interfaces?: string[];
  files?: Record<string, FileInfo>;
  users?: string[];
  isRoot?: boolean;
}

export function fakeHost(h: FakeHost = {}): HostFacts {
  return {
    interfaces: h.interfaces ?? ['lo', 'eth0', 'eth1'],
    inspectFile: (p) => h.files?.[p],
    userExists: (u) => (h.users ?? []).includes(u),
    isRoot: h.isRoot ?? false,
    searchPath: ['/bin'],
  };
}

export function check(text: string, host: FakeHost = {}): LoadResult {
  return loadConfigText(text, '/etc/keepalived/keepalived.conf', {
    configId: 'test',
    source: memoryConfigSource({}),
    host: fakeHost(host),
  });
}

export const errors = (r: LoadResult): Diagnostic[] => r.diagnostics.filter((d) => d.severity === 'error');
export const warnings = (r: LoadResult): Diagnostic[] =>
  r.diagnostics.filter((d) => d.severity === 'warning');
export const show = (r: LoadResult): string => r.diagnostics.map(formatDiagnostic).join('\n');

/** A valid instance with `extra` lines inserted (and `vips` as its virtual_ipaddress lines). */
export function instance(extra = '', vips = '192.0.2.100', name = 'VI_1'): string {
  return `vrrp_instance ${name} {
  interface eth0
  virtual_router_id 51
${extra}
  virtual_ipaddress {
    ${vips}
  }
}
`;
}
