// The raw events list: keyboard navigation (j/k, Enter opens the alert an
// event produced) and live refresh.
import { initLive, typing } from './live.js';

let current = null; // data-id of the highlighted row

const rows = () => Array.from(document.querySelectorAll('#events-table tbody tr.event-row'));

function highlight(row) {
  for (const r of rows()) r.classList.toggle('current', r === row);
  current = row ? row.dataset.id : null;
  if (row) row.scrollIntoView({ block: 'nearest' });
}

export function initEvents() {
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    const rs = rows();
    const i = rs.findIndex((r) => r.dataset.id === current);
    switch (e.key) {
      case 'j': highlight(rs[Math.min(i + 1, rs.length - 1)] || null); break;
      case 'k': highlight(rs[Math.max(i - 1, 0)] || null); break;
      case 'Enter': case 'o': {
        const r = rs[i];
        if (r && r.dataset.href) window.location.assign(r.dataset.href);
        break;
      }
      case '/': document.getElementById('q')?.focus(); break;
      default: return;
    }
    e.preventDefault();
  });
  document.addEventListener('click', (e) => {
    const row = e.target.closest && e.target.closest('tr.event-row');
    if (row && !e.target.closest('a')) highlight(row);
  });
  document.body.addEventListener('htmx:afterSwap', () => highlight(rows().find((r) => r.dataset.id === current) || rows()[0] || null));
  initLive();
  const first = rows()[0];
  if (first) highlight(first);
}
