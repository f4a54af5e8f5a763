/**
 * `GET /`: the live dashboard, one page with its CSS and JS inline (no build step, no external
 * asset). It reads /api/v1/status, then follows /api/v1/events: each event updates the page at
 * once (an instance's state, a real server's verdict) and asks for a fresh status shortly after.
 * Everything from the daemon is put in the page as text (textContent), never as HTML.
 */
import { createHash } from 'node:crypto';

const STYLE = `
:root { --bg:#0f1419; --fg:#e6e6e6; --dim:#8a949e; --line:#2a323b; --ok:#3fb950; --warn:#d29922; --bad:#f85149; --info:#58a6ff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; gap: 1em; align-items: baseline; padding: .8em 1.2em; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.2em; margin: 0; }
#conn { font-size: .85em; color: var(--dim); }
#conn.live { color: var(--ok); }
main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 1.2em; padding: 1.2em; }
section { min-width: 0; }
h2 { font-size: 1em; color: var(--dim); text-transform: uppercase; letter-spacing: .05em; margin: 0 0 .5em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--dim); font-weight: normal; }
.state { font-weight: bold; }
.MASTER, .up { color: var(--ok); } .BACKUP { color: var(--info); } .FAULT, .down { color: var(--bad); }
.INIT, .STOP { color: var(--dim); }
.mono { font-family: ui-monospace, monospace; font-size: .92em; }
.small { font-size: .85em; color: var(--dim); }
ol#timeline { list-style: none; padding: 0; margin: 0; }
#timeline li { padding: .35em 0; border-bottom: 1px solid var(--line); }
#timeline time { color: var(--dim); font-family: ui-monospace, monospace; font-size: .85em; margin-right: .5em; }
.empty { color: var(--dim); font-style: italic; }
tr.rs td:first-child { padding-left: 1.8em; }
`;

const SCRIPT = `
'use strict';
const $ = (id) => document.getElementById(id);
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function emptyRow(span, text) {
  const td = el('td', 'empty', text);
  td.colSpan = span;
  return row([td]);
}
function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) tr.append(c instanceof Node ? c : el('td', '', c));
  return tr;
}
let status = null;
function renderInstances() {
  const body = $('instances');
  body.replaceChildren();
  if (!status || status.instances.length === 0) { body.append(emptyRow(8, 'no VRRP instance')); return; }
  for (const i of status.instances) {
    const tr = row([
      i.name,
      el('td', 'state ' + i.state, i.state),
      String(i.vrid),
      i.interface,
      i.effectivePriority + (i.effectivePriority !== i.basePriority ? ' (' + i.basePriority + ')' : ''),
      el('td', 'mono master', i.masterAddress || '-'),
      el('td', 'mono', i.vips.join(' ')),
      el('td', 'small', i.lastTransition ? i.lastTransition.reason : ''),
    ]);
    tr.dataset.instance = i.name;
    body.append(tr);
  }
}
function renderServers() {
  const body = $('servers');
  body.replaceChildren();
  if (!status || status.virtualServers.length === 0) { body.append(emptyRow(4, 'no virtual server')); return; }
  for (const vs of status.virtualServers) {
    const head = row([el('td', 'mono', vs.name), el('td', vs.quorumUp ? 'up' : 'down', vs.quorumUp ? 'quorum' : 'no quorum' + (vs.sorryServerActive ? ' (sorry server)' : '')), '', '']);
    head.dataset.vs = vs.name;
    body.append(head);
    for (const rs of vs.realServers) {
      const verdicts = rs.checkers.map((c) => c.type + ' ' + (c.ok ? 'ok' : 'failed' + (c.reason ? ': ' + c.reason : ''))).join('; ');
      const name = rs.address.includes(':') ? '[' + rs.address + ']:' + rs.port : rs.address + ':' + rs.port;
      const tr = row([el('td', 'mono', name), el('td', rs.alive ? 'up' : 'down', rs.alive ? 'up' : 'down'), 'weight ' + rs.effectiveWeight, el('td', 'small', verdicts || 'no checker')]);
      tr.className = 'rs';
      tr.dataset.rs = vs.name + ' ' + name;
      body.append(tr);
    }
  }
}
/** What each table shows: it is drawn again only when this changes (1,000 rows cost a browser time). */
let shown = { instances: '', servers: '' };
function render() {
  const instances = JSON.stringify(status.instances.map((i) => [i.name, i.state, i.effectivePriority, i.basePriority, i.masterAddress, i.vips, i.lastTransition]));
  const servers = JSON.stringify(status.virtualServers.map((v) => [v.name, v.quorumUp, v.sorryServerActive, v.realServers.map((r) => [r.address, r.port, r.alive, r.effectiveWeight, r.checkers.map((c) => [c.type, c.ok, c.reason])])]));
  if (instances !== shown.instances) renderInstances();
  if (servers !== shown.servers) renderServers();
  shown = { instances, servers };
  if (status) $('pid').textContent = 'pid ' + status.pid + ', ' + status.configFile + ', up since ' + status.startedAt;
}
let refreshTimer = null;
async function refresh() {
  refreshTimer = null;
  try {
    const r = await fetch('/api/v1/status', { cache: 'no-store' });
    if (r.ok) { status = await r.json(); render(); }
  } catch (e) { /* the next event or tick tries again */ }
}
function refreshSoon() { if (refreshTimer === null) refreshTimer = setTimeout(refresh, 150); }
function describe(e) {
  switch (e.kind) {
    case 'vrrp-transition': return e.instance + ': ' + e.from + ' -> ' + e.to + ' (' + e.reason + ')';
    case 'group-transition': return 'group ' + e.group + ': ' + e.from + ' -> ' + e.to + ' (' + e.reason + ')';
    case 'real-server': return e.virtualServer + ' ' + e.realServer + ' ' + (e.up ? 'up' : 'down') + ', weight ' + e.weight + ' (' + e.reason + ')';
    case 'quorum': return e.virtualServer + ' quorum ' + (e.up ? 'gained' : 'lost') + ' (' + e.reason + ')';
    case 'reload': return 'reload ' + (e.ok ? 'applied' : 'refused') + ' (' + e.reason + ')';
    default: return JSON.stringify(e);
  }
}
const seen = new Set();
function addEvent(e) {
  if (seen.has(e.id)) return;
  seen.add(e.id);
  const list = $('timeline');
  const li = el('li', '');
  li.dataset.kind = e.kind;
  li.dataset.id = e.id;
  li.dataset.at = e.at;
  li.append(el('time', '', e.at.slice(11, 23)), el('span', e.to || (e.up === true ? 'up' : e.up === false ? 'down' : ''), describe(e)));
  list.prepend(li);
  while (list.children.length > 200) list.lastChild.remove();
}
/** An event changes the page at once; the status that follows fills in the rest (master address, counters). */
function apply(e) {
  if (!status) return;
  if (e.kind === 'vrrp-transition') {
    const i = status.instances.find((x) => x.name === e.instance);
    if (i) {
      i.state = e.to; i.effectivePriority = e.priority;
      i.lastTransition = { at: e.at, reason: e.reason };
      if (e.to === 'MASTER') i.masterAddress = 'this node';
    }
    renderInstances();
  } else if (e.kind === 'real-server' || e.kind === 'quorum') {
    const vs = status.virtualServers.find((v) => v.name === e.virtualServer);
    if (vs && e.kind === 'quorum') vs.quorumUp = e.up;
    renderServers();
  }
}
function connect() {
  const es = new EventSource('/api/v1/events');
  es.onopen = () => { $('conn').textContent = 'live'; $('conn').className = 'live'; refresh(); };
  es.onerror = () => { $('conn').textContent = 'reconnecting...'; $('conn').className = ''; };
  es.onmessage = (m) => {
    const e = JSON.parse(m.data);
    const fresh = !seen.has(e.id);
    addEvent(e);
    if (fresh) { apply(e); refreshSoon(); }
  };
}
refresh();
connect();
setInterval(refresh, 5000);
`;

/** The script's hash for the Content-Security-Policy: only this inline script may run. */
const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${SCRIPT_HASH}'`,
  `style-src 'sha256-${STYLE_HASH}'`,
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vigil</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>vigil</h1><span id="pid" class="small"></span><span id="conn">connecting...</span></header>
<main>
<section>
<h2>VRRP instances</h2>
<table><thead><tr><th>instance</th><th>state</th><th>VRID</th><th>interface</th><th>priority</th><th>master</th><th>VIPs</th><th>last transition</th></tr></thead>
<tbody id="instances"></tbody></table>
<h2>Virtual servers</h2>
<table><thead><tr><th>server</th><th>state</th><th>weight</th><th>checkers</th></tr></thead>
<tbody id="servers"></tbody></table>
</section>
<section>
<h2>Events</h2>
<ol id="timeline"></ol>
</section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
