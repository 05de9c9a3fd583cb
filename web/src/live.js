// Live refresh of a list (alerts, events): every 10 s while the tab is
// visible and the "Live" box is ticked (kept in localStorage).
const LIVE_KEY = 'vigie.live';
const LIVE_EVERY_MS = 10000;

export function initLive() {
  const live = document.getElementById('live');
  if (!live) return;
  live.checked = localStorage.getItem(LIVE_KEY) === '1';
  live.addEventListener('change', () => localStorage.setItem(LIVE_KEY, live.checked ? '1' : '0'));
  setInterval(() => {
    if (live.checked && document.visibilityState === 'visible') document.body.dispatchEvent(new CustomEvent('vigie:refresh'));
  }, LIVE_EVERY_MS);
}

// typing tells whether a key event goes to a form field.
export function typing(e) {
  const t = e.target;
  return t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}
