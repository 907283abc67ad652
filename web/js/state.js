// What the views share: the runs loaded for the current sweep (or all runs), their spec
// fields, the selected run ids, the filter and the grouping field. Views read it and call
// loadRuns() when the sweep changes.
import {getFields, getJson} from './api.js';

export const state = {
  sweeps: [],
  sweep: '',          // '' = all runs
  runs: [],           // /api/runs rows
  fields: {},         // runId -> {path: value}
  selected: new Set(),
  filter: '',
  status: '',
  groupBy: '',        // '' | 'variant' | 'status' | 'seed' | a field path
  sort: {column: null, descending: false},
  showAllColumns: false,
};

export async function loadSweeps() {
  state.sweeps = (await getJson('sweeps')).sweeps;
}

export async function loadRuns() {
  const params = state.sweep ? {sweep: state.sweep} : {};
  state.runs = (await getJson('runs', params)).runs;
  state.fields = state.sweep ? (await getJson('fields', {sweep: state.sweep})).fields
                             : await getFields(null);
  const ids = new Set(state.runs.map((r) => r.id));
  for (const id of [...state.selected]) if (!ids.has(id)) state.selected.delete(id);
}

export function runById(id) {
  return state.runs.find((r) => r.id === id);
}

// A run's value for a grouping key: a built-in column or a spec field path.
export function groupValue(run, key) {
  if (!key) return '';
  if (key === 'variant' || key === 'status' || key === 'seed') return String(run[key]);
  const f = state.fields[run.id] || {};
  return key in f ? f[key] : '(unset)';
}

// Runs passing the text filter and status filter, in table order (before sorting).
export function filteredRuns() {
  const needle = state.filter.trim().toLowerCase();
  return state.runs.filter((run) => {
    if (state.status && run.status !== state.status) return false;
    if (!needle) return true;
    const haystack = [run.id, run.variant, run.status, String(run.seed), run.error || '',
                      ...Object.values(state.fields[run.id] || {})].join('\n').toLowerCase();
    return haystack.includes(needle);
  });
}

// The runs a comparison view works on: the selected ones, else every filtered run.
export function comparedRuns() {
  const selected = state.runs.filter((r) => state.selected.has(r.id));
  return selected.length ? selected : filteredRuns();
}

// Field paths whose values are not all equal across `runs` (absent counts as a value).
export function differingPaths(runs) {
  const paths = new Set();
  for (const run of runs) for (const p of Object.keys(state.fields[run.id] || {})) paths.add(p);
  const out = [];
  for (const path of paths) {
    const values = new Set(runs.map((r) => (state.fields[r.id] || {})[path] ?? '\u0000absent'));
    if (values.size > 1) out.push(path);
  }
  return out.sort();
}

export function allPaths(runs) {
  const paths = new Set();
  for (const run of runs) for (const p of Object.keys(state.fields[run.id] || {})) paths.add(p);
  return [...paths].sort();
}

export function runLabel(run) {
  return run.variant ? `${run.variant} (seed ${run.seed})` : run.id;
}
