// The live status page: one EventSource to wsroute's management server, a full re-render per update.
// Built with DOM calls and textContent only: route names and hosts come from configuration, never parsed as HTML.
(function () {
  'use strict';
  const root = document.currentScript.src.replace(/\/wsroute\/status\.js$/, '');
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  };
  const slug = (s) => 'state-' + s.replace(/\s+/g, '-');
  const rate = (n) => n >= 1e6 ? (n / 1e6).toFixed(1) + ' M' : n >= 1e3 ? (n / 1e3).toFixed(1) + ' k' : n.toFixed(n < 10 ? 1 : 0);

  function endpointsTable(route, rule) {
    const t = el('table', {}, el('tr', {}, el('th', {}, 'endpoint'), el('th', {}, 'state'), el('th', {}, 'health'),
      el('th', {}, 'open WebSockets'), el('th', {}, 'bytes/s'), el('th', {}, 'messages/s')));
    for (const e of rule.endpoints) {
      t.append(el('tr', { 'data-endpoint': route.id + '#' + rule.index + ' ' + e.endpoint },
        el('td', {}, e.endpoint), el('td', { class: slug(e.state) }, e.state),
        el('td', { class: 'health-' + e.health.replace(/\s+/g, '-') }, e.health),
        el('td', { class: 'num open' }, e.openWebSockets), el('td', { class: 'num' }, rate(e.bytesPerSecond)),
        el('td', { class: 'num' }, rate(e.messagesPerSecond))));
    }
    return t;
  }

  function render(s) {
    $('version').textContent = s.tableVersion;
    $('open').textContent = s.openWebSockets;
    const cc = s.clientConnections; // null where there is no data plane
    $('clients-bar').hidden = !cc;
    if (cc) {
      $('clients').textContent = cc.open;
      $('limit').textContent = cc.limit;
      const note = $('limit-note');
      note.hidden = !cc.limitReason;
      note.textContent = cc.limitReason ? '(not the configured ' + cc.configuredLimit + ': ' + cc.limitReason + ')' : '';
    }
    $('updated').textContent = new Date(s.at).toLocaleTimeString();
    const err = $('source-error');
    err.hidden = !s.sourceError;
    err.textContent = s.sourceError ? 'routes source: ' + s.sourceError : '';
    const routes = $('routes');
    routes.replaceChildren();
    if (!s.routes.length) routes.append(el('p', {}, 'No routes.'));
    for (const r of s.routes) {
      const closes = Object.entries(r.closesLastMinute).map(([code, n]) => code + ' × ' + n).join(', ') || 'none';
      const sec = el('section', { class: 'route', 'data-route': r.id },
        el('h2', {}, r.id + ' ', el('span', { class: slug(r.state) }, r.state)),
        el('div', { class: 'meta' }, 'hosts: ' + (r.hosts.length ? r.hosts.join(', ') : 'any') + ' · TLS: ' + r.tls
          + ' · closes in the last minute by code: ' + closes));
      if (r.certificate) {
        const c = r.certificate;
        sec.append(el('div', { class: 'meta certificate' }, 'certificate ' + c.source + ' expires ' + c.notAfter
          + (c.valid ? ' (' + c.daysLeft + ' days left)' : ' (not valid now: served the default certificate)')));
      }
      if (r.problems.length) sec.append(el('ul', { class: 'problems' }, ...r.problems.map((p) => el('li', {}, p))));
      for (const rule of r.rules) {
        sec.append(el('div', { class: 'rule', 'data-rule': r.id + '#' + rule.index },
          el('div', {}, 'rules[' + rule.index + '] ' + rule.match + ' ', el('span', { class: slug(rule.state) }, rule.state)),
          endpointsTable(r, rule)));
      }
      if (r.http) sec.append(el('div', { class: 'meta' }, 'plain HTTP: ' + r.http.endpoints.join(', ')));
      routes.append(sec);
    }
  }

  function connect() {
    const live = $('live');
    const events = new EventSource(root + '/wsroute/api/events');
    events.onopen = () => { live.textContent = 'live'; live.className = 'live up'; };
    events.onmessage = (m) => render(JSON.parse(m.data));
    events.onerror = () => { live.textContent = 'reconnecting'; live.className = 'live down'; };
  }
  connect();
})();
