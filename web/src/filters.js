// The filter bar: custom time range, saved filters (per user, in this
// browser's localStorage).
export function initFilters() {
  const form = document.getElementById('filter-form');
  if (!form) return;
  const range = document.getElementById('range');
  const custom = document.getElementById('custom-range');
  range.addEventListener('change', () => {
    custom.classList.toggle('hidden', range.value !== 'custom');
    if (range.value !== 'custom') form.requestSubmit();
  });

  const user = document.querySelector('meta[name="vigie-user"]')?.content || '';
  const key = 'vigie.filters.' + user;
  const load = () => { try { return JSON.parse(localStorage.getItem(key) || '[]'); } catch { return []; } };
  const store = (list) => localStorage.setItem(key, JSON.stringify(list));
  const select = document.getElementById('saved-filters');
  if (!select) return; // no saved filters on this page (events)
  const name = document.getElementById('saved-name');
  const fill = () => {
    while (select.options.length > 1) select.remove(1);
    for (const f of load()) select.add(new Option(f.name, f.name));
  };
  fill();
  select.addEventListener('change', () => {
    const f = load().find((x) => x.name === select.value);
    if (!f) return;
    form.elements.q.value = f.q;
    range.value = f.range;
    form.elements.from.value = f.from || '';
    form.elements.to.value = f.to || '';
    form.requestSubmit();
  });
  document.getElementById('save-filter').addEventListener('click', () => {
    const n = name.value.trim() || form.elements.q.value.trim() || range.value;
    const list = load().filter((x) => x.name !== n);
    list.push({ name: n, q: form.elements.q.value, range: range.value, from: form.elements.from.value, to: form.elements.to.value });
    list.sort((a, b) => a.name.localeCompare(b.name));
    store(list);
    fill();
    select.value = n;
    name.value = '';
  });
  document.getElementById('delete-filter').addEventListener('click', () => {
    if (!select.value) return;
    store(load().filter((x) => x.name !== select.value));
    fill();
  });
}
