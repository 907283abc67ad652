// The dashboard's single-page app: a hash router over the views. Every string from the store
// is inserted as text (dom.js), never as markup.
import {getJson} from './api.js';
import {renderAblation} from './ablation_view.js';
import {renderCharts} from './charts_view.js';
import {renderDiff} from './diff_view.js';
import {clear, el} from './dom.js';
import {renderEvals, setEvalRun} from './evals_view.js';
import {renderRun} from './run_view.js';
import {renderRuns} from './runs_view.js';
import {loadRuns, loadSweeps, state} from './state.js';

const view = document.getElementById('view');
const errorBox = document.getElementById('error');
let loaded = false;

function showError(message) {
  errorBox.hidden = false;
  clear(errorBox).append(el('b', {}, 'error: '), message);
}

async function route() {
  errorBox.hidden = true;
  const hash = window.location.hash || '#/runs';
  const [path, search] = hash.slice(1).split('?');
  const params = new URLSearchParams(search || '');
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', path.startsWith(a.getAttribute('href').slice(1)));
  }
  try {
    if (!loaded) {
      const info = await getJson('info');
      document.getElementById('store-info').textContent = `store: ${info.store}`;
      await loadSweeps();
      if (!state.sweep && state.sweeps.length === 1) state.sweep = state.sweeps[0].id;
      await loadRuns();
      loaded = true;
    }
    if (path.startsWith('/run/')) {
      await renderRun(view, decodeURIComponent(path.slice('/run/'.length)));
    } else if (path === '/charts') {
      await renderCharts(view);
    } else if (path === '/diff') {
      await renderDiff(view);
    } else if (path === '/ablation') {
      await renderAblation(view);
    } else if (path === '/evals') {
      if (params.get('run')) setEvalRun(params.get('run'));
      await renderEvals(view);
    } else {
      await renderRuns(view);
    }
  } catch (e) {
    showError(e.message || String(e));
  }
}

window.addEventListener('hashchange', route);
route();
