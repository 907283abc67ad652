// The eval browser: one run's predictions for one evaluator, page by page, optionally only
// failures (score < 1), each with its image, question, reference answers and prediction.
// docs/dashboard.md says which prediction fields and image references are understood.
import {getJson} from './api.js';
import {clear, el, formatNumber, isImageDataUri} from './dom.js';
import {comparedRuns, runLabel, state} from './state.js';

const evalState = {run: '', evaluator: '', failures: false, offset: 0, limit: 20};
let info = {image_root: false};

export function setEvalRun(runId) {
  if (runId && runId !== evalState.run) {
    evalState.run = runId;
    evalState.evaluator = '';
    evalState.offset = 0;
  }
}

function asList(v) {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((x) => (x && typeof x === 'object' && 'answer' in x ? x.answer : x))
      .map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

const RELATIVE_PATH = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\\\u0000-\u001f]+$/;

function imageNode(ref) {
  if (isImageDataUri(ref)) return el('img', {src: ref, alt: 'example image'});
  if (typeof ref === 'string' && RELATIVE_PATH.test(ref) && !/^[a-z][a-z0-9+.-]*:/i.test(ref)) {
    if (info.image_root) {
      return el('img', {src: `/api/image?path=${encodeURIComponent(ref)}`, alt: ref});
    }
    return el('p', {class: 'muted'}, `image ${ref} (start vlmlab serve with --image_root to see it)`);
  }
  return el('p', {class: 'muted'},
            `image reference not shown (expected a data:image/png|jpeg|gif|webp;base64 URI or ` +
            `a relative path)`);
}

// Long strings (inline images) shortened for the raw view.
function shortened(value) {
  return JSON.stringify(value, (k, v) => (typeof v === 'string' && v.length > 200
                                             ? `${v.slice(0, 200)}… (${v.length} chars)` : v), 2);
}

function exampleCard(row) {
  const d = row.data || {};
  const images = [...asList(d.image), ...asList(d.images)];
  const refs = asList(d.references ?? d.answers ?? d.reference);
  const prediction = d.prediction ?? d.output ?? d.generated;
  const question = d.question ?? d.prompt;
  const failed = row.score !== null && row.score < 1;
  return el('article', {class: failed ? 'example failed' : 'example', 'data-testid': 'example'},
      el('div', {class: 'example-image'}, images.map(imageNode)),
      el('div', {class: 'example-text'},
         el('p', {class: 'example-key muted'}, row.example_key,
            el('span', {class: failed ? 'score bad' : 'score'},
               row.score === null ? 'no score' : `score ${formatNumber(row.score)}`)),
         question !== undefined ? el('p', {}, el('b', {}, 'question '), String(question)) : null,
         refs.length ? el('div', {}, el('b', {}, 'references'),
                          el('ul', {}, refs.map((r) => el('li', {}, r)))) : null,
         prediction !== undefined
             ? el('p', {'data-testid': 'prediction'}, el('b', {}, 'prediction '),
                  typeof prediction === 'string' ? prediction : JSON.stringify(prediction))
             : null,
         row.data === null ? el('pre', {}, row.raw) : null,
         el('details', {}, el('summary', {}, 'all fields'), el('pre', {}, shortened(d)))));
}

export async function renderEvals(view) {
  clear(view);
  info = await getJson('info');
  const runs = comparedRuns().length ? comparedRuns() : state.runs;
  if (!runs.length) {
    view.append(el('p', {class: 'muted'}, 'no runs'));
    return;
  }
  if (!evalState.run || !runs.some((r) => r.id === evalState.run)) {
    setEvalRun((runs.find((r) => Object.keys(r.metrics || {}).length) || runs[0]).id);
  }
  const detail = (await getJson(`runs/${encodeURIComponent(evalState.run)}`)).run;
  const evaluators = detail.evaluators;
  if (!evaluators.some((e) => e.name === evalState.evaluator)) {
    const withPredictions = evaluators.find((e) => e.predictions > 0) || evaluators[0];
    evalState.evaluator = withPredictions ? withPredictions.name : '';
    evalState.offset = 0;
  }
  const controls = el('section', {class: 'controls'},
      el('label', {}, 'run ', el('select', {'aria-label': 'run', 'data-testid': 'eval-run',
        onchange: async (e) => { setEvalRun(e.target.value); await renderEvals(view); }},
        runs.map((r) => el('option', {value: r.id, selected: r.id === evalState.run},
                           runLabel(r))))),
      el('label', {}, 'evaluator ', el('select', {'aria-label': 'evaluator',
        onchange: async (e) => {
          evalState.evaluator = e.target.value; evalState.offset = 0; await renderEvals(view);
        }},
        evaluators.map((e) => el('option', {value: e.name, selected: e.name === evalState.evaluator},
                                 `${e.name} (${e.failures} failures of ${e.predictions})`)))),
      el('label', {}, el('input', {type: 'checkbox', checked: evalState.failures,
        'data-testid': 'failures-only',
        onchange: async (e) => {
          evalState.failures = e.target.checked; evalState.offset = 0; await renderEvals(view);
        }}), ' failures only'));
  view.append(controls);
  if (!evalState.evaluator) {
    view.append(el('p', {class: 'muted'}, 'this run has no evaluation results yet'));
    return;
  }
  const page = await getJson('predictions', {
    run: evalState.run, evaluator: evalState.evaluator, offset: evalState.offset,
    limit: evalState.limit, failures: evalState.failures ? 1 : 0});
  const last = Math.min(page.offset + page.rows.length, page.total);
  const pager = el('section', {class: 'controls'},
      el('button', {type: 'button', disabled: page.offset === 0, onclick: async () => {
        evalState.offset = Math.max(0, evalState.offset - evalState.limit);
        await renderEvals(view);
      }}, '‹ previous'),
      el('span', {class: 'muted', 'data-testid': 'eval-range'},
         page.total ? `${page.offset + 1}–${last} of ${page.total}` : 'no examples'),
      el('button', {type: 'button', disabled: last >= page.total, onclick: async () => {
        evalState.offset += evalState.limit;
        await renderEvals(view);
      }}, 'next ›'));
  view.append(pager, el('div', {class: 'examples'}, page.rows.map(exampleCard)));
}
