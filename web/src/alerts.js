// The alert list: keyboard navigation, selection, triage shortcuts, bulk
// actions and live refresh.
import { initLive, typing } from './live.js';

let current = null; // data-id of the highlighted row

const rows = () => Array.from(document.querySelectorAll('#alerts-table tbody tr.alert-row'));

function highlight(row) {
  for (const r of rows()) r.classList.toggle('current', r === row);
  current = row ? row.dataset.id : null;
  if (row) row.scrollIntoView({ block: 'nearest' });
}

function currentRow() {
  return rows().find((r) => r.dataset.id === current) || null;
}

function selectedIds() {
  const ids = Array.from(document.querySelectorAll('#alerts-table input.pick:checked')).map((c) => c.value);
  if (ids.length === 0 && current) ids.push(current);
  return ids;
}

function updateCount() {
  const n = document.querySelectorAll('#alerts-table input.pick:checked').length;
  const el = document.getElementById('selected-count');
  if (el) el.textContent = n + ' selected';
  for (const r of rows()) r.classList.toggle('picked', r.querySelector('input.pick').checked);
}

function flash(html, isError) {
  const f = document.getElementById('flash');
  if (!f) return;
  f.innerHTML = '';
  const tpl = document.createElement('template');
  tpl.innerHTML = html;
  if (tpl.content.childElementCount === 0) {
    const d = document.createElement('div');
    d.className = 'flash ' + (isError ? 'error' : 'ok');
    d.textContent = html;
    f.append(d);
  } else f.append(tpl.content);
}

async function bulk(params) {
  const ids = selectedIds();
  if (ids.length === 0) { flash('Select alerts first (x, or the check boxes).', true); return; }
  const body = new URLSearchParams();
  for (const id of ids) body.append('id', id);
  for (const [k, v] of Object.entries(params)) body.append(k, v);
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || '';
  const res = await fetch('/alerts/bulk', {
    method: 'POST', body, credentials: 'same-origin',
    headers: { 'X-CSRF-Token': csrf, 'HX-Request': 'true' },
  });
  flash(await res.text(), !res.ok);
  if (res.ok) document.body.dispatchEvent(new CustomEvent('vigie:refresh'));
}

export function initAlerts() {
  const canBulk = !!document.getElementById('bulk');
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    const rs = rows();
    let i = rs.findIndex((r) => r.dataset.id === current);
    switch (e.key) {
      case 'j': highlight(rs[Math.min(i + 1, rs.length - 1)] || null); break;
      case 'k': highlight(rs[Math.max(i - 1, 0)] || null); break;
      case 'Enter': case 'o': { const r = currentRow(); if (r) window.location.assign(r.dataset.href); break; }
      case 'x': {
        const r = currentRow();
        if (r) { const c = r.querySelector('input.pick'); c.checked = !c.checked; updateCount(); }
        break;
      }
      case 'a': if (canBulk) bulk({ state: 'acknowledged' }); break;
      case 'c': if (canBulk) bulk({ state: 'closed' }); break;
      case 'f': if (canBulk) bulk({ state: 'false_positive' }); break;
      case '/': document.getElementById('q')?.focus(); break;
      default: return;
    }
    e.preventDefault();
  });
  document.addEventListener('click', (e) => {
    const row = e.target.closest && e.target.closest('tr.alert-row');
    if (row && !e.target.closest('a')) highlight(row);
  });
  document.addEventListener('change', (e) => {
    if (e.target.id === 'select-all') {
      for (const c of document.querySelectorAll('#alerts-table input.pick')) c.checked = e.target.checked;
    }
    if (e.target.matches && (e.target.matches('input.pick') || e.target.id === 'select-all')) updateCount();
  });
  // After a refresh, keep the highlighted row (checked boxes are cleared:
  // the alerts may have changed).
  document.body.addEventListener('htmx:afterSwap', () => { highlight(currentRow()); updateCount(); });

  if (canBulk) {
    for (const b of document.querySelectorAll('#bulk button[data-state]')) {
      b.addEventListener('click', () => bulk({ state: b.dataset.state }));
    }
    document.getElementById('bulk-assign').addEventListener('click', () => {
      bulk({ assignee: document.getElementById('bulk-assignee').value.trim() });
    });
  }

  initLive();
  const first = rows()[0];
  if (first) highlight(first);
}
