// Browser test of the Vigie web UI with playwright-core driving Debian's
// Chromium. Run by internal/web/ui/e2e_test.go against a seeded server:
//   VIGIE_URL=http://127.0.0.1:PORT VIGIE_ALERT=<id> node web/e2e/ui.mjs
// Environment: VIGIE_URL, VIGIE_ALERT (an alert with an enrichment
// attachment), VIGIE_CORRELATION (an alert with CorrelID), VIGIE_LOG_ALERT
// (an alert produced from a log line) and VIGIE_LOG_ORIGIN (the id of that
// raw event), CHROMIUM
// (default /usr/bin/chromium), VIGIE_SCREENSHOTS (directory; none when unset).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.VIGIE_URL;
const alertID = process.env.VIGIE_ALERT;
const correlationID = process.env.VIGIE_CORRELATION;
const logAlertID = process.env.VIGIE_LOG_ALERT;
const logOrigin = process.env.VIGIE_LOG_ORIGIN;
const shots = process.env.VIGIE_SCREENSHOTS || '';
if (!base || !alertID || !correlationID || !logAlertID || !logOrigin) {
  console.error('set VIGIE_URL, VIGIE_ALERT, VIGIE_CORRELATION, VIGIE_LOG_ALERT and VIGIE_LOG_ORIGIN');
  process.exit(2);
}
if (shots) mkdirSync(shots, { recursive: true });

const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args, headless: true });

let passed = 0;
let failed = 0;
const problems = [];

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err.message.split('\n')[0]}`);
    problems.push(name);
  }
}

// newPage opens a page that records console errors and page errors.
async function newPage(colorScheme) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme, baseURL: base });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('dialog', (d) => { page.errors.push('dialog opened: ' + d.message()); d.dismiss(); });
  page.setDefaultTimeout(15000);
  return page;
}

async function login(page, user, password) {
  await page.goto('/alerts');
  check(page.url().includes('/login'), 'anonymous visitor sent to the login page');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL('**/alerts**'), page.click('button[type=submit]')]);
}

function noConsoleErrors(page, where) {
  check(page.errors.length === 0, `no console errors on ${where}: ${page.errors.join(' | ')}`);
}

const page = await newPage('light');

await step('log in as analyst', async () => {
  await login(page, 'ana', 'analyst-secret-pass');
  await page.waitForSelector('#alerts-table tbody tr.alert-row');
  noConsoleErrors(page, 'alerts');
});

await step('filter the list with the query language', async () => {
  await page.selectOption('#range', 'all');
  await page.waitForURL('**range=all**');
  await page.fill('#q', 'Priority = High');
  await Promise.all([page.waitForURL('**q=Priority**'), page.press('#q', 'Enter')]);
  const prios = await page.$$eval('#alerts-table tbody tr.alert-row', (rs) => rs.map((r) => r.className));
  check(prios.length > 0, 'some High alerts');
  check(prios.every((c) => c.includes('prio-high')), 'every row is High: ' + prios.slice(0, 3));
  await page.fill('#q', 'Sorce.IP = 1.2.3.4');
  await Promise.all([page.waitForURL('**Sorce**'), page.press('#q', 'Enter')]);
  const err = await page.textContent('#query-error');
  check(err.includes('Sorce'), 'a bad query shows its error: ' + err);
  noConsoleErrors(page, 'filtered list');
});

await step('keyboard navigation and selection', async () => {
  await page.goto('/alerts?range=all');
  await page.waitForSelector('tr.alert-row.current');
  await page.keyboard.press('j');
  await page.keyboard.press('x');
  const n = await page.textContent('#selected-count');
  check(n.startsWith('1 '), 'one selected after x: ' + n);
  const second = await page.$$eval('tr.alert-row', (rs) => rs[1].dataset.id);
  const cur = await page.$eval('tr.alert-row.current', (r) => r.dataset.id);
  check(second === cur, 'j moved to the second row');
  await page.keyboard.press('a'); // acknowledge the selection
  await page.waitForSelector('#flash .flash.ok');
  await page.waitForFunction((id) => document.querySelector(`tr[data-id="${id}"] .state`)?.textContent.includes('acknowledged'), cur);
  noConsoleErrors(page, 'keyboard triage');
});

await step('open an alert: enrichment, links, tree', async () => {
  await page.goto('/alerts/' + alertID);
  await page.waitForSelector('.attachment.enrichment table');
  const t = await page.textContent('.attachment.enrichment');
  check(t.includes('malicious') && t.includes('source.ip'), 'enrichment table rendered');
  check(await page.isVisible('ul.tree'), 'field tree shown');
  const href = await page.getAttribute('a[download]', 'href');
  const res = await page.request.get(href);
  check(res.ok() && (await res.json()).ID === alertID, 'raw JSON download');
  noConsoleErrors(page, 'detail');
});

await step('change status and assignee, add a comment', async () => {
  await page.selectOption('#state', 'in_progress');
  await page.fill('#assignee', 'ana');
  await page.click('#triage-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#audit')?.textContent.includes('in_progress'));
  check((await page.inputValue('#assignee')) === 'ana', 'assignee kept');
  await page.fill('#comment-body', 'Checked with the network team: scanner of a partner.');
  await page.click('#comment-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#comments')?.textContent.includes('partner'));
  const audit = await page.textContent('#audit');
  check(audit.includes('assignee') && audit.includes('comment'), 'audit trail lists the changes: ' + audit);
  noConsoleErrors(page, 'triage');
});

await step('correlation links', async () => {
  await page.goto('/alerts/' + correlationID);
  const links = await page.$$eval('#links a', (as) => as.map((a) => a.getAttribute('href')));
  check(links.length >= 3, 'CorrelID links: ' + links.length);
  noConsoleErrors(page, 'correlation');
});

await step('events page: raw events inert, free text, keyboard, paging', async () => {
  await Promise.all([page.waitForURL('**/events?**'), page.click('header nav a[href^="/events"]')]);
  await page.selectOption('#range', 'all');
  await page.waitForURL('**range=all**');
  await page.waitForSelector('#events-table tbody tr.event-row');
  // A log line carrying HTML is shown as text, never run.
  const hosts = await page.$$eval('#events-table tbody td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
  check(hosts.includes('<b>evil-host</b>'), 'hostile host shown as text');
  check((await page.$$('#events-table script, #events-table img, #events-table b')).length === 0, 'no element from a log line');
  const first = await page.$eval('tr.event-row.current', (r) => r.dataset.id);
  await page.keyboard.press('j');
  const second = await page.$$eval('tr.event-row', (rs) => rs[1].dataset.id);
  check((await page.$eval('tr.event-row.current', (r) => r.dataset.id)) === second && first !== second, 'j moves down');
  await page.keyboard.press('k');
  check((await page.$eval('tr.event-row.current', (r) => r.dataset.id)) === first, 'k moves up');
  await Promise.all([page.waitForURL('**cursor=**'), page.click('#older-page')]);
  await page.waitForSelector('#events-table tbody tr.event-row');
  check(!(await page.$$eval('tr.event-row', (rs) => rs.map((r) => r.dataset.id))).includes(first), 'the older page has other events');
  await page.fill('#q', 'oracle');
  await Promise.all([page.waitForURL('**text=oracle**'), page.press('#q', 'Enter')]);
  const msgs = await page.$$eval('#events-table tbody td.msg', (tds) => tds.map((td) => td.textContent));
  check(msgs.length === 1 && msgs[0].includes('Invalid user oracle'), 'free text finds the one line: ' + msgs.length);
  noConsoleErrors(page, 'events');
});

await step('alert from a log line: logs around it, origin highlighted', async () => {
  await page.goto('/alerts/' + logAlertID);
  await page.waitForSelector('#around-table tr.event-row.origin');
  const origins = await page.$$eval('#around-table tr.event-row.origin', (rs) => rs.map((r) => r.dataset.id));
  check(origins.length === 1 && origins[0] === logOrigin, 'the originating event is highlighted: ' + origins);
  const n5 = await page.$$eval('#around-table tr.event-row', (rs) => rs.length);
  await page.click('#around button[data-window="1h"]');
  await page.waitForSelector('#around button.primary[data-window="1h"]');
  const n60 = await page.$$eval('#around-table tr.event-row', (rs) => rs.length);
  check(n60 > n5, `a wider window shows more (${n5} → ${n60})`);
  noConsoleErrors(page, 'logs around an alert');
});

await step('aggregated view and drill-down', async () => {
  await page.goto('/groups?range=all');
  await page.waitForSelector('#groups-table tbody tr');
  await Promise.all([page.waitForURL('**/alerts?**'), page.click('#groups-table tbody tr a')]);
  check(new URL(page.url()).searchParams.get('q').includes('Category = '), 'drill-down filters on the group: ' + page.url());
  await page.waitForSelector('#alerts-table tbody tr.alert-row');
  noConsoleErrors(page, 'groups');
});

await step('dashboard: charts and map, clickable', async () => {
  await page.goto('/dashboard?range=all');
  await page.waitForSelector('#chart-volume canvas');
  await page.waitForSelector('#chart-heat canvas');
  await page.waitForSelector('#map path.leaflet-interactive');
  await page.waitForFunction(() => document.querySelectorAll('#map svg path').length > 50); // countries drawn
  noConsoleErrors(page, 'dashboard');
  // A click on the map's first point opens the filtered list.
  await Promise.all([page.waitForURL('**/alerts?**'), page.click('#map path.leaflet-interactive', { force: true })]);
  check(new URL(page.url()).searchParams.get('q').includes('GeoLocation'), 'map point drills down: ' + page.url());
});

await step('graph: render and expand a node', async () => {
  await page.goto('/graph?range=all&q=' + encodeURIComponent('Priority = High'));
  await page.waitForSelector('#graph canvas');
  await page.waitForFunction(() => window.vigieGraph && window.vigieGraph.nodes().length > 0);
  const before = await page.evaluate(() => window.vigieGraph.elements().length);
  const grew = page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('vigie:expanded', () => resolve(true), { once: true });
    setTimeout(() => resolve(false), 8000);
  }));
  // Expand the busiest IP: its alerts of other priorities are new.
  await page.evaluate(() => {
    const ips = window.vigieGraph.nodes('[kind="ip"]').sort((a, b) => b.degree() - a.degree());
    ips[0].emit('tap');
  });
  const after = (await grew) ? await page.evaluate(() => window.vigieGraph.elements().length) : before;
  check(after > before, `expanding a node adds neighbours (${before} → ${after})`);
  noConsoleErrors(page, 'graph');
});

await step('viewer cannot triage; admin-only pages refused', async () => {
  const v = await newPage('light');
  await login(v, 'vic', 'viewer-secret-pass');
  await v.goto('/alerts/' + alertID);
  check((await v.$('#triage-form')) === null, 'no triage form for a viewer');
  check((await v.$('#bulk')) === null, 'no bulk bar for a viewer');
  const res = await v.goto('/users');
  check(res.status() === 403, 'viewer refused /users: ' + res.status());
  await v.context().close();
});

await step('security headers', async () => {
  const res = await page.request.get('/alerts');
  const h = res.headers();
  check(h['content-security-policy'].includes("script-src 'self'") && h['content-security-policy'].includes("frame-ancestors 'none'"), 'CSP');
  check(h['x-content-type-options'] === 'nosniff', 'nosniff');
  check(h['referrer-policy'] === 'same-origin', 'referrer-policy');
});

if (shots) {
  await step('screenshots', async () => {
    for (const scheme of ['light', 'dark']) {
      const p = await newPage(scheme);
      await login(p, 'ana', 'analyst-secret-pass');
      const views = [
        ['alerts', '/alerts?range=24h', '#alerts-table'],
        ['events', '/events?range=24h', '#events-table'],
        ['logs-around', '/alerts/' + logAlertID, '#around-table'],
        ['detail', '/alerts/' + alertID, '.attachment.enrichment'],
        ['aggregated', '/groups?range=7d', '#groups-table'],
        ['dashboard', '/dashboard?range=7d', '#map path.leaflet-interactive'],
        ['graph', '/graph?range=24h', '#graph canvas'],
      ];
      for (const [name, url, sel] of views) {
        await p.goto(url);
        await p.waitForSelector(sel);
        await p.waitForTimeout(name === 'graph' || name === 'dashboard' ? 800 : 100);
        await p.screenshot({ path: join(shots, `${name}-${scheme}.png`), fullPage: name === 'dashboard' });
      }
      noConsoleErrors(p, 'screenshots ' + scheme);
      await p.context().close();
    }
  });
}

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
if (failed > 0) {
  console.log('failed: ' + problems.join('; '));
  process.exit(1);
}
