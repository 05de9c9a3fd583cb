// Dark and light themes: the system's preference until the user picks
// one with the toggle (kept in localStorage).
const KEY = 'vigie.theme';

export function currentTheme() {
  const t = document.documentElement.dataset.theme;
  if (t) return t;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function initTheme() {
  const saved = localStorage.getItem(KEY);
  if (saved === 'dark' || saved === 'light') document.documentElement.dataset.theme = saved;
  const btn = document.getElementById('theme-toggle');
  if (!btn) return;
  btn.addEventListener('click', () => {
    const next = currentTheme() === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem(KEY, next);
    document.dispatchEvent(new CustomEvent('vigie:theme', { detail: next }));
  });
}

// cssVar reads a colour of the current theme.
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
