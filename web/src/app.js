// Vigie web UI behaviour. No inline script: the page's data comes in
// <script type="application/json"> blocks and data- attributes (CSP).
import htmx from 'htmx.org';
import { initTheme } from './theme.js';
import { initFilters } from './filters.js';
import { initAlerts } from './alerts.js';
import { initEvents } from './events.js';
import { initDashboard } from './dashboard.js';
import { initGraph } from './graph.js';

window.htmx = htmx;

// Every htmx request carries the session's CSRF token.
document.addEventListener('htmx:configRequest', (e) => {
  const t = document.querySelector('meta[name="csrf-token"]');
  if (t && t.content) e.detail.headers['X-CSRF-Token'] = t.content;
});
// Errors rendered by the server go to the flash area (HX-Retarget); let
// htmx swap 4xx answers too.
document.addEventListener('htmx:beforeSwap', (e) => {
  const s = e.detail.xhr.status;
  if (s >= 400 && s < 500 && e.detail.xhr.getResponseHeader('HX-Retarget')) {
    e.detail.shouldSwap = true;
    e.detail.isError = false;
  }
});

function start() {
  initTheme();
  initFilters();
  const page = document.body.dataset.page;
  if (page === 'alerts') initAlerts();
  if (page === 'events') initEvents();
  if (page === 'dashboard') initDashboard();
  if (page === 'graph') initGraph();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
