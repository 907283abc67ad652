// The sweep's ablation table (platform/report's, served by /api/ablation): one row per
// variant with its swept fields, metrics as mean ± std over seeds, the difference from a
// baseline variant with a paired-bootstrap interval, and costs; Markdown / CSV / LaTeX / text
// downloads. Works on the selected runs, else the chosen sweep, else every run.
import {getJson} from './api.js';
import {clear, el, query} from './dom.js';
import {state} from './state.js';

const ablationState = {metrics: null, baseline: ''};

export async function renderAblation(view) {
  clear(view);
  const useSelection = state.selected.size > 0;
  const selection = useSelection ? {runs: [...state.selected]}
                                 : (state.sweep ? {sweep: state.sweep} : {});
  const all = await getJson('ablation', {...selection, baseline: ablationState.baseline});
  const metricNames = all.table.columns.filter((c) => c.kind === 'metric').map((c) => c.label);
  const wanted = ablationState.metrics
      ? ablationState.metrics.filter((m) => metricNames.includes(m)) : metricNames;
  const restricted = wanted.length > 0 && wanted.length < metricNames.length;
  const params = {...selection, baseline: ablationState.baseline,
                  metrics: restricted ? wanted : []};
  const body = restricted ? await getJson('ablation', params) : all;
  const table = body.table;
  const link = (format, label) => el('a', {
    class: 'button', download: '', 'data-testid': `export-${format}`,
    href: `/api/ablation${query({...params, format})}`}, label);
  const variants = table.rows.map((r) => r.variant);
  view.append(
      el('h2', {}, table.title || 'ablation'),
      el('section', {class: 'controls'},
         el('label', {}, 'baseline ', el('select', {'aria-label': 'baseline',
           onchange: async (e) => { ablationState.baseline = e.target.value; await renderAblation(view); }},
           variants.map((v) => el('option', {value: v, selected: v === table.baseline}, v || '(none)')))),
         el('span', {}, 'export: ', link('md', 'Markdown'), ' ', link('csv', 'CSV'), ' ',
            link('latex', 'LaTeX'), ' ', link('text', 'text'))),
      metricNames.length > 1 ? el('section', {class: 'controls'}, 'metrics: ',
         metricNames.map((m) => el('label', {}, el('input', {type: 'checkbox',
           checked: wanted.includes(m), onchange: async (e) => {
             const current = new Set(wanted);
             e.target.checked ? current.add(m) : current.delete(m);
             ablationState.metrics = metricNames.filter((x) => current.has(x));
             await renderAblation(view);
           }}), ` ${m} `))) : null,
      el('div', {class: 'table-holder'}, el('table', {class: 'ablation', 'data-testid': 'ablation-table'},
         el('thead', {}, el('tr', {}, el('th', {}, 'variant'), table.columns.map((c) => el('th', {
           class: c.kind === 'field' ? '' : 'num', title: c.path || c.label}, c.label)))),
         el('tbody', {}, table.rows.map((row) => el('tr', {class: row.variant === table.baseline ? 'baseline' : ''},
             el('td', {title: row.run_ids.join(', ')}, row.variant),
             row.cells.map((cell, i) => el('td', {
               class: table.columns[i].kind === 'field' ? 'field' : 'num',
               title: cell.p_value !== undefined && cell.p_value !== null
                   ? `p = ${cell.p_value.toPrecision(3)}, ${cell.examples} examples` : null},
             cell.text))))))),
      el('p', {class: 'muted'}, table.note));
}
