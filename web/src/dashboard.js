// The dashboard: ECharts charts and a Leaflet map of source locations,
// drawn from the page's dash-data block; every mark links to the list.
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import L from 'leaflet';
import { feature } from 'topojson-client';
import { cssVar } from './theme.js';

echarts.use([BarChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, CanvasRenderer]);

const PRIO_VARS = { High: '--prio-high', Medium: '--prio-medium', Low: '--prio-low', Info: '--prio-info', Unknown: '--prio-unknown' };
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

let charts = [];

const go = (href) => { if (href) window.location.assign(href); };

function base() {
  return {
    backgroundColor: 'transparent',
    textStyle: { color: cssVar('--fg') },
    // richText tooltips are drawn on the canvas: no inline styles (CSP).
    tooltip: { renderMode: 'richText', trigger: 'item' },
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
  };
}

function axisStyle() {
  return { axisLabel: { color: cssVar('--muted') }, axisLine: { lineStyle: { color: cssVar('--border') } }, splitLine: { lineStyle: { color: cssVar('--border') } } };
}

function fmtTime(s) {
  return s.slice(5, 16).replace('T', ' ');
}

function volumeChart(el, v) {
  const c = echarts.init(el);
  c.setOption({
    ...base(),
    tooltip: { renderMode: 'richText', trigger: 'axis' },
    legend: { top: 0, textStyle: { color: cssVar('--fg') } },
    xAxis: { type: 'category', data: v.times.map(fmtTime), ...axisStyle() },
    yAxis: { type: 'value', ...axisStyle() },
    series: v.series.map((s) => ({
      name: s.name, type: 'bar', stack: 'volume', data: s.counts,
      itemStyle: { color: cssVar(PRIO_VARS[s.name] || '--accent') },
    })),
  });
  c.on('click', (p) => go(v.hrefs[p.seriesIndex]?.[p.dataIndex]));
  return c;
}

function topChart(el, t) {
  const items = [...t.items].reverse();
  const c = echarts.init(el);
  c.setOption({
    ...base(),
    xAxis: { type: 'value', ...axisStyle() },
    yAxis: { type: 'category', data: items.map((i) => i.key), ...axisStyle(), axisLabel: { color: cssVar('--muted'), width: 160, overflow: 'truncate' } },
    series: [{ type: 'bar', data: items.map((i) => i.count), itemStyle: { color: cssVar('--accent') } }],
  });
  c.on('click', (p) => go(items[p.dataIndex]?.href));
  return c;
}

function heatChart(el, cells, hrefs) {
  const max = Math.max(1, ...cells.map((x) => x[2]));
  const c = echarts.init(el);
  c.setOption({
    ...base(),
    grid: { left: 8, right: 16, top: 8, bottom: 48, containLabel: true },
    xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')), ...axisStyle() },
    yAxis: { type: 'category', data: WEEKDAYS, inverse: true, ...axisStyle() },
    visualMap: { min: 0, max, orient: 'horizontal', left: 'center', bottom: 0, calculable: false, textStyle: { color: cssVar('--muted') },
      inRange: { color: [cssVar('--heat-low'), cssVar('--accent'), cssVar('--prio-high')] } },
    series: [{ type: 'heatmap', data: cells.map(([wd, h, n]) => [h, wd, n]) }],
  });
  c.on('click', (p) => { const [h, wd] = p.data; go(hrefs[wd]?.[h]); });
  return c;
}

let map = null;

async function drawMap(el, d) {
  if (map) { map.remove(); map = null; }
  map = L.map(el, { attributionControl: false, worldCopyJump: true, minZoom: 1, maxZoom: 8 }).setView([25, 10], 2);
  try {
    const res = await fetch(el.dataset.atlas, { credentials: 'same-origin' });
    const topo = await res.json();
    L.geoJSON(feature(topo, topo.objects.countries), {
      style: { color: cssVar('--border'), weight: 0.6, fillColor: cssVar('--land'), fillOpacity: 1 },
      interactive: false,
    }).addTo(map);
  } catch (err) {
    console.warn('world shapes not loaded', err);
  }
  const max = Math.max(1, ...d.geo.map((g) => g.count));
  for (const g of d.geo) {
    const label = document.createElement('span');
    label.textContent = g.key + ': ' + g.count + ' alerts';
    L.circleMarker([g.lat, g.lon], {
      radius: 4 + 14 * Math.sqrt(g.count / max), color: cssVar('--prio-high'), weight: 1, fillOpacity: 0.6,
    }).bindTooltip(label).on('click', () => go(g.href)).addTo(map);
  }
}

function draw(d) {
  for (const c of charts) c.dispose();
  charts = [];
  const vol = document.getElementById('chart-volume');
  if (vol) charts.push(volumeChart(vol, d.volume));
  (d.tops || []).forEach((t, i) => {
    const el = document.getElementById('chart-top-' + i);
    if (el) charts.push(topChart(el, t));
  });
  const heat = document.getElementById('chart-heat');
  if (heat) charts.push(heatChart(heat, d.heat || [], d.heat_href || []));
  const m = document.getElementById('map');
  if (m) drawMap(m, d);
}

export function initDashboard() {
  const block = document.getElementById('dash-data');
  if (!block) return;
  const d = JSON.parse(block.textContent);
  d.geo = d.geo || [];
  draw(d);
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
  document.addEventListener('vigie:theme', () => draw(d));
}
