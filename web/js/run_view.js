// One run: its state and costs, final metrics with confidence intervals, logged curves,
// evaluators, spec fields (filterable) and canonical spec text.
import {getJson} from './api.js';
import {clear, el, formatNumber} from './dom.js';
import {setEvalRun} from './evals_view.js';
import {state} from './state.js';

export async function renderRun(view, runId) {
  clear(view);
  const run = (await getJson(`runs/${encodeURIComponent(runId)}`)).run;
  const kv = (pairs) => el('table', {class: 'kv'}, el('tbody', {}, pairs.map(([k, v]) =>
      el('tr', {}, el('th', {}, k), el('td', {}, v === null || v === undefined ? '' : String(v))))));
  const fieldsBody = el('tbody');
  const drawFields = (needle) => {
    clear(fieldsBody).append(...Object.entries(run.fields)
        .filter(([p, v]) => !needle || `${p} ${v}`.toLowerCase().includes(needle.toLowerCase()))
        .map(([p, v]) => el('tr', {}, el('td', {class: 'path'}, p), el('td', {}, v))));
  };
  drawFields('');
  view.append(
      el('h2', {'data-testid': 'run-title'}, run.variant || run.id),
      el('section', {class: 'actions'},
         el('button', {type: 'button', onclick: () => { state.selected.add(run.id); }},
            'add to selection'),
         el('a', {class: 'button', href: '#/evals',
                  onclick: () => setEvalRun(run.id)}, 'browse predictions')),
      kv([['id', run.id], ['sweep', run.sweep_id], ['variant', run.variant], ['seed', run.seed],
          ['status', run.status], ['error', run.error], ['worker', run.worker],
          ['spec hash', run.spec_hash], ['created', run.created_at], ['started', run.started_at],
          ['finished', run.finished_at],
          ...Object.entries(run.cost).map(([k, v]) => [k.replaceAll('_', ' '), formatNumber(v)])]),
      el('h3', {}, 'metrics'),
      run.metrics.length ? el('table', {},
          el('thead', {}, el('tr', {}, ['evaluator', 'key', 'value', 'CI', 'n'].map(
              (h) => el('th', {}, h)))),
          el('tbody', {}, run.metrics.map((m) => el('tr', {},
              el('td', {}, m.evaluator), el('td', {}, m.key),
              el('td', {class: 'num'}, formatNumber(m.value)),
              el('td', {class: 'num'}, m.ci_low === null ? ''
                  : `[${formatNumber(m.ci_low)}, ${formatNumber(m.ci_high)}]`),
              el('td', {class: 'num'}, formatNumber(m.n))))))
          : el('p', {class: 'muted'}, 'no metrics yet'),
      el('h3', {}, 'logged curves'),
      run.scalars.length ? el('table', {},
          el('thead', {}, el('tr', {}, ['key', 'stage', 'points', 'last step', 'last value'].map(
              (h) => el('th', {}, h)))),
          el('tbody', {}, run.scalars.map((s) => el('tr', {}, el('td', {}, s.key),
              el('td', {}, s.stage), el('td', {class: 'num'}, formatNumber(s.points)),
              el('td', {class: 'num'}, formatNumber(s.last_step)),
              el('td', {class: 'num'}, formatNumber(s.last_value))))))
          : el('p', {class: 'muted'}, 'no curves yet'),
      el('h3', {}, 'spec fields'),
      el('input', {type: 'search', placeholder: 'filter fields…', 'aria-label': 'filter fields',
                   oninput: (e) => drawFields(e.target.value)}),
      el('table', {class: 'fields'}, fieldsBody),
      el('details', {}, el('summary', {}, 'spec text'), el('pre', {}, run.spec_text)));
}
