// The graph view: entities and the alerts linking them (Cytoscape.js).
import cytoscape from 'cytoscape';
import { cssVar } from './theme.js';

function style() {
  const fg = cssVar('--fg');
  return [
    { selector: 'node', style: { label: 'data(label)', color: fg, 'font-size': 10, 'text-valign': 'bottom', 'text-margin-y': 3, width: 18, height: 18, 'background-color': cssVar('--muted') } },
    { selector: 'node[kind="alert"]', style: { label: '', shape: 'round-rectangle', width: 10, height: 10, 'font-size': 8, 'background-color': cssVar('--prio-unknown') } },
    { selector: 'node[kind="alert"]:selected', style: { label: 'data(label)' } },
    { selector: 'node[kind="alert"][prio="High"]', style: { 'background-color': cssVar('--prio-high') } },
    { selector: 'node[kind="alert"][prio="Medium"]', style: { 'background-color': cssVar('--prio-medium') } },
    { selector: 'node[kind="alert"][prio="Low"]', style: { 'background-color': cssVar('--prio-low') } },
    { selector: 'node[kind="alert"][prio="Info"]', style: { 'background-color': cssVar('--prio-info') } },
    { selector: 'node[kind="ip"]', style: { 'background-color': cssVar('--node-ip'), shape: 'ellipse' } },
    { selector: 'node[kind="host"]', style: { 'background-color': cssVar('--node-host'), shape: 'diamond' } },
    { selector: 'node[kind="user"]', style: { 'background-color': cssVar('--node-user'), shape: 'triangle' } },
    { selector: 'node[kind="service"]', style: { 'background-color': cssVar('--node-service'), shape: 'hexagon' } },
    { selector: 'node.expanded', style: { 'border-width': 2, 'border-color': fg } },
    { selector: 'edge', style: { width: 1, 'line-color': cssVar('--border'), 'curve-style': 'haystack' } },
    { selector: 'edge[role="source"]', style: { 'line-color': cssVar('--edge-source') } },
    { selector: ':selected', style: { 'border-width': 3, 'border-color': cssVar('--accent') } },
  ];
}

export function initGraph() {
  const el = document.getElementById('graph');
  const block = document.getElementById('graph-data');
  if (!el || !block) return;
  const cy = cytoscape({
    container: el,
    elements: JSON.parse(block.textContent) || [],
    style: style(),
    layout: { name: 'cose', animate: false, randomize: false, nodeRepulsion: () => 6000 },
    wheelSensitivity: 0.3,
  });
  window.vigieGraph = cy; // for the browser tests and the console
  const expand = async (node) => {
    if (node.hasClass('expanded')) return;
    const res = await fetch(el.dataset.expand + '&node=' + encodeURIComponent(node.id()), { credentials: 'same-origin' });
    if (!res.ok) return;
    const added = (await res.json()).filter((e) => cy.getElementById(e.data.id).empty());
    node.addClass('expanded');
    if (added.length === 0) return;
    cy.add(added);
    cy.layout({ name: 'cose', animate: false, randomize: false, fit: false }).run();
    document.dispatchEvent(new CustomEvent('vigie:expanded', { detail: added.length }));
  };
  cy.on('tap', 'node', (e) => expand(e.target));
  cy.on('dbltap', 'node[kind="alert"]', (e) => window.location.assign(e.target.data('href')));
  document.addEventListener('vigie:theme', () => cy.style(style()));
}
