// Config diff of two or more runs by spec field path (the store's run_fields rows).
import {getJson} from './api.js';
import {clear, el} from './dom.js';
import {runById, state} from './state.js';

let showSame = false;

export async function renderDiff(view) {
  clear(view);
  const ids = [...state.selected];
  if (ids.length < 2) {
    view.append(el('p', {class: 'muted', 'data-testid': 'diff-hint'},
                   'select two or more runs in the runs table to compare their configurations'));
    return;
  }
  const body = await getJson('diff', {runs: ids, all: showSame ? 1 : 0});
  const rows = body.rows;
  const head = el('tr', {}, el('th', {}, 'field'), body.runs.map((id, i) => {
    const run = runById(id);
    return el('th', {title: id}, body.variants[i] || id, el('br'),
              el('span', {class: 'muted'}, run ? `seed ${run.seed}` : id));
  }));
  const table = el('table', {class: 'diff', 'data-testid': 'diff-table'}, el('thead', {}, head),
      el('tbody', {}, rows.map((row) => el('tr', {class: row.differs ? 'differs' : '',
                                                  'data-path': row.path},
          el('td', {class: 'path'}, row.path),
          row.values.map((v, i) => el('td', {
            class: v === null ? 'absent' : (i > 0 && v !== row.values[0] ? 'changed' : '')},
          v === null ? '—' : v))))));
  view.append(
      el('section', {class: 'controls'},
         el('span', {class: 'muted'},
            `${rows.filter((r) => r.differs).length} differing fields across ${ids.length} runs`),
         el('label', {}, el('input', {type: 'checkbox', checked: showSame,
           onchange: async (e) => { showSame = e.target.checked; await renderDiff(view); }}),
            ' show identical fields')),
      rows.length ? table : el('p', {class: 'muted'}, 'these runs have identical configurations'));
}
