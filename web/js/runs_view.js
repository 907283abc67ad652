// The runs table: filter, sort (click a header), group by any spec field, hide columns whose
// values are identical across the shown runs, and select runs for the other views.
import {clear, el, formatNumber} from './dom.js';
import {allPaths, differingPaths, filteredRuns, groupValue, loadRuns, state} from './state.js';

function durationSeconds(run) {
  if (!run.started_at) return null;
  const end = run.finished_at ? Date.parse(run.finished_at) : Date.now();
  return Math.round((end - Date.parse(run.started_at)) / 1000);
}

function formatDuration(s) {
  if (s === null) return '';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

// Every column the table can show: {id, label, value(run), render?(run), kind, always}.
function columns(runs) {
  const metricKeys = new Set();
  for (const r of runs) for (const k of Object.keys(r.metrics || {})) metricKeys.add(k);
  const cols = [
    {id: 'run', label: 'run', value: (r) => r.id, always: true,
     render: (r) => el('a', {href: `#/run/${encodeURIComponent(r.id)}`, title: r.id},
                       r.id.length > 22 ? `${r.id.slice(0, 20)}…` : r.id)},
    {id: 'variant', label: 'variant', value: (r) => r.variant, always: true},
    {id: 'status', label: 'status', value: (r) => r.status,
     render: (r) => el('span', {class: `status status-${r.status}`, title: r.error || r.worker || ''},
                       r.status)},
    {id: 'seed', label: 'seed', value: (r) => r.seed, kind: 'num'},
  ];
  // The headline metrics first, so they are on screen without scrolling; then the spec fields
  // that tell the runs apart.
  for (const key of [...metricKeys].sort()) {
    cols.push({id: `metric:${key}`, label: key, kind: 'num', metric: true,
               value: (r) => (r.metrics || {})[key] ?? null});
  }
  const paths = state.showAllColumns ? allPaths(runs) : differingPaths(runs);
  for (const path of paths) {
    cols.push({id: `field:${path}`, label: path, kind: 'field',
               value: (r) => (state.fields[r.id] || {})[path] ?? null});
  }
  for (const [key, label] of [['parameters', 'params'], ['trainable_parameters', 'trainable'],
                              ['visual_tokens_per_image', 'visual tokens'],
                              ['train_flops', 'train FLOPs'],
                              ['samples_per_second', 'samples/s']]) {
    cols.push({id: `cost:${key}`, label, kind: 'num', value: (r) => r.cost[key]});
  }
  cols.push({id: 'started', label: 'started', value: (r) => r.started_at});
  cols.push({id: 'duration', label: 'duration', kind: 'num', value: durationSeconds,
             render: (r) => formatDuration(durationSeconds(r))});
  if (state.showAllColumns) return cols;
  // Hide columns whose values are all the same (or all empty) across the shown runs.
  return cols.filter((c) => {
    if (c.always || c.metric || c.kind === 'field') return true;  // fields chosen above
    return new Set(runs.map((r) => JSON.stringify(c.value(r) ?? null))).size > 1;
  });
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return String(a).localeCompare(String(b));
}

function meanStd(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (!xs.length) return '';
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  if (xs.length < 2) return formatNumber(mean);
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
  return `${formatNumber(mean)} ± ${formatNumber(sd)}`;
}

export async function renderRuns(view) {
  await loadRuns();
  clear(view);
  const tableHolder = el('div', {class: 'table-holder'});
  const count = el('span', {class: 'muted', 'data-testid': 'run-count'});

  const sweepSelect = el('select', {'aria-label': 'sweep', 'data-testid': 'sweep-select',
    onchange: async (e) => { state.sweep = e.target.value; await renderRuns(view); }},
  el('option', {value: '', selected: state.sweep === ''}, 'all runs'),
  state.sweeps.map((s) => el('option', {value: s.id, selected: state.sweep === s.id},
                             `${s.name} (${s.runs} runs)`)));
  const filter = el('input', {type: 'search', placeholder: 'filter runs…', value: state.filter,
    'aria-label': 'filter', 'data-testid': 'filter',
    oninput: (e) => { state.filter = e.target.value; draw(); }});
  const status = el('select', {'aria-label': 'status',
    onchange: (e) => { state.status = e.target.value; draw(); }},
  ['', 'pending', 'running', 'completed', 'failed'].map(
      (s) => el('option', {value: s, selected: state.status === s}, s || 'any status')));
  const paths = allPaths(state.runs);
  const differing = differingPaths(state.runs);
  const groupSelect = el('select', {'aria-label': 'group by', 'data-testid': 'group-by',
    onchange: (e) => { state.groupBy = e.target.value; draw(); }},
  el('option', {value: '', selected: !state.groupBy}, 'no grouping'),
  el('optgroup', {label: 'run'},
     ['variant', 'status', 'seed'].map(
         (k) => el('option', {value: k, selected: state.groupBy === k}, k))),
  differing.length ? el('optgroup', {label: 'differing fields'},
     differing.map((p) => el('option', {value: p, selected: state.groupBy === p}, p))) : null,
  el('optgroup', {label: 'all fields'},
     paths.map((p) => el('option', {value: p}, p))));
  const showAll = el('input', {type: 'checkbox', checked: state.showAllColumns,
    onchange: (e) => { state.showAllColumns = e.target.checked; draw(); }});

  view.append(
      el('section', {class: 'controls'},
         el('label', {}, 'sweep ', sweepSelect), filter, status,
         el('label', {}, 'group by ', groupSelect),
         el('label', {title: 'show columns whose values are the same in every shown run'},
            showAll, ' identical columns'),
         count),
      el('section', {class: 'actions'},
         el('span', {class: 'muted', 'data-testid': 'selected-count'}),
         el('a', {href: '#/charts', class: 'button'}, 'charts'),
         el('a', {href: '#/diff', class: 'button', 'data-testid': 'diff-link'}, 'config diff'),
         el('a', {href: '#/ablation', class: 'button'}, 'ablation table'),
         el('a', {href: '#/evals', class: 'button'}, 'eval browser'),
         el('button', {type: 'button', onclick: () => { state.selected.clear(); draw(); }},
            'clear selection')),
      tableHolder);

  function draw() {
    const runs = filteredRuns();
    const cols = columns(runs);
    const {column, descending} = state.sort;
    const sortCol = cols.find((c) => c.id === column);
    if (sortCol) {
      runs.sort((a, b) => (descending ? -1 : 1) * compare(sortCol.value(a), sortCol.value(b)));
    }
    count.textContent = `${runs.length} of ${state.runs.length} runs`;
    view.querySelector('[data-testid="selected-count"]').textContent =
        `${state.selected.size} selected`;

    const allBox = el('input', {type: 'checkbox', 'aria-label': 'select all shown',
      checked: runs.length > 0 && runs.every((r) => state.selected.has(r.id)),
      onchange: (e) => {
        for (const r of runs) e.target.checked ? state.selected.add(r.id) : state.selected.delete(r.id);
        draw();
      }});
    const head = el('tr', {}, el('th', {}, allBox), cols.map((c) => el('th', {
      class: c.kind === 'num' ? 'num sortable' : 'sortable', title: `sort by ${c.label}`,
      'aria-sort': column === c.id ? (descending ? 'descending' : 'ascending') : null,
      onclick: () => {
        state.sort = {column: c.id, descending: column === c.id ? !descending : false};
        draw();
      }}, c.label, column === c.id ? (descending ? ' ▼' : ' ▲') : '')));

    const body = el('tbody');
    const groups = new Map();
    for (const r of runs) {
      const g = groupValue(r, state.groupBy);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(r);
    }
    for (const [g, members] of groups) {
      if (state.groupBy) {
        body.append(el('tr', {class: 'group-row', 'data-testid': 'group-row'},
            el('td', {}),
            cols.map((c, i) => {
              if (i === 0) return el('td', {}, `${state.groupBy} = ${g === '' ? '(none)' : g}`);
              if (i === 1) return el('td', {}, `${members.length} runs`);
              if (c.metric) return el('td', {class: 'num'}, meanStd(members.map(c.value)));
              return el('td', {});
            })));
      }
      for (const r of members) {
        body.append(el('tr', {class: state.selected.has(r.id) ? 'selected' : '',
                              'data-run': r.id, 'data-testid': 'run-row'},
            el('td', {}, el('input', {type: 'checkbox', 'aria-label': `select ${r.id}`,
              checked: state.selected.has(r.id),
              onchange: (e) => {
                e.target.checked ? state.selected.add(r.id) : state.selected.delete(r.id);
                draw();
              }})),
            cols.map((c) => el('td', {class: c.kind === 'num' ? 'num' : c.kind || ''},
                c.render ? c.render(r)
                         : (c.kind === 'num' ? formatNumber(c.value(r)) : c.value(r) ?? '')))));
      }
    }
    clear(tableHolder).append(
        runs.length ? el('table', {class: 'runs', 'data-testid': 'runs-table'},
                         el('thead', {}, head), body)
                    : el('p', {class: 'muted'}, state.runs.length ? 'no run matches the filter'
                                                                  : 'this store has no runs yet'));
  }
  draw();
}
