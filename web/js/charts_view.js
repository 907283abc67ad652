// Training curves from the scalars table, drawn with uPlot (vendored, see web/vendor): one
// chart per chosen key, runs overlaid, exponential smoothing, stages in order or one stage,
// and with a grouping field set (runs table), each group's mean with a ±1 std band.
import {getForRuns} from './api.js';
import {chartToPngUrl, chartToSvg, download} from './chart_export.js';
import {clear, el} from './dom.js';
import {comparedRuns, groupValue, runLabel, state} from './state.js';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
                 '#7f7f7f', '#bcbd22', '#17becf'];

const chartState = {keys: null, stage: '', smoothing: 0.6, logY: false, cacheKey: '', series: []};

// TensorBoard-style debiased exponential moving average; nulls stay null.
export function smooth(values, weight) {
  if (weight <= 0) return values.slice();
  const out = [];
  let last = 0;
  let n = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) {
      out.push(v);
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n += 1;
    out.push(last / (1 - weight ** n));
  }
  return out;
}

// One run's curve for `key`: stages concatenated in the order they started (step offsets),
// or only `stage`.
function runCurve(seriesOfRun, key, stage) {
  let parts = seriesOfRun.filter((s) => s.key === key && (!stage || s.stage === stage));
  parts = parts.slice().sort((a, b) => (a.started ?? Infinity) - (b.started ?? Infinity) ||
                                       a.stage.localeCompare(b.stage));
  const xs = [];
  const ys = [];
  let offset = 0;
  for (const part of parts) {
    let maxStep = 0;
    for (let i = 0; i < part.steps.length; i++) {
      xs.push(part.steps[i] + offset);
      ys.push(part.values[i]);
      maxStep = Math.max(maxStep, part.steps[i]);
    }
    if (!stage) offset += maxStep;
  }
  return {xs, ys};
}

// Aligns curves on the union of their x values; missing points are null.
function align(curves) {
  const xset = new Set();
  for (const c of curves) for (const x of c.xs) xset.add(x);
  const xs = [...xset].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = curves.map((c) => {
    const col = new Array(xs.length).fill(null);
    c.xs.forEach((x, i) => { col[index.get(x)] = c.ys[i]; });
    return col;
  });
  return {xs, columns};
}

function meanAndStd(columns, length) {
  const mean = [];
  const lo = [];
  const hi = [];
  for (let i = 0; i < length; i++) {
    const vs = columns.map((c) => c[i]).filter((v) => v !== null && Number.isFinite(v));
    if (!vs.length) {
      mean.push(null); lo.push(null); hi.push(null);
      continue;
    }
    const m = vs.reduce((s, v) => s + v, 0) / vs.length;
    const sd = vs.length > 1
        ? Math.sqrt(vs.reduce((s, v) => s + (v - m) ** 2, 0) / (vs.length - 1)) : 0;
    mean.push(m); lo.push(m - sd); hi.push(m + sd);
  }
  return {mean, lo, hi};
}

function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function drawChart(holder, key, runs, seriesByRun) {
  const curves = [];
  const labels = [];
  const groups = new Map();
  for (const run of runs) {
    const c = runCurve(seriesByRun.get(run.id) || [], key, chartState.stage);
    if (!c.xs.length) continue;
    c.ys = smooth(c.ys, chartState.smoothing);
    if (state.groupBy) {
      const g = groupValue(run, state.groupBy);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(c);
    } else {
      curves.push(c);
      labels.push(runLabel(run));
    }
  }
  const uSeries = [{label: 'step'}];
  let data;
  const bands = [];
  if (state.groupBy) {
    const all = [...groups.values()].flat();
    const {xs, columns} = align(all);
    data = [xs];
    let at = 0;
    let colour = 0;
    for (const [g, members] of groups) {
      const cols = columns.slice(at, at + members.length);
      at += members.length;
      const {mean, lo, hi} = meanAndStd(cols, xs.length);
      const stroke = PALETTE[colour++ % PALETTE.length];
      const base = data.length;
      data.push(mean, hi, lo);
      uSeries.push({label: `${state.groupBy}=${g} (${members.length})`, stroke, width: 2,
                    spanGaps: true, points: {show: false}});
      uSeries.push({label: '+1 std', stroke: withAlpha(stroke, 0.25), width: 0.5,
                    spanGaps: true, points: {show: false}});
      uSeries.push({label: '-1 std', stroke: withAlpha(stroke, 0.25), width: 0.5,
                    spanGaps: true, points: {show: false}});
      bands.push({series: [base + 1, base + 2], fill: withAlpha(stroke, 0.15)});
    }
  } else {
    const {xs, columns} = align(curves);
    data = [xs, ...columns];
    labels.forEach((label, i) => uSeries.push({
      label, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true,
      points: {show: false}}));
  }
  let points = 0;
  for (let s = 1; s < data.length; s++) for (const v of data[s]) if (v !== null) points++;
  const box = el('div', {class: 'chart', 'data-testid': 'chart', 'data-points': String(points)},
                 el('h3', {}, key));
  holder.append(box);
  if (!points) {
    box.append(el('p', {class: 'muted'}, 'no points for these runs'));
    return;
  }
  const width = Math.max(360, Math.min(holder.clientWidth - 20, 1100));
  // eslint-disable-next-line no-undef
  const u = new uPlot({
    width, height: 300,
    scales: {x: {time: false}, y: {distr: chartState.logY ? 3 : 1}},
    axes: [{label: chartState.stage ? 'step' : 'step (stages in order)'}, {label: key}],
    series: uSeries,
    bands,
    legend: {live: true},
  }, data, box);
  const name = `${key.replace(/[^A-Za-z0-9_.-]+/g, '_')}${chartState.stage ? `-${chartState.stage}` : ''}`;
  const title = chartState.stage ? `${key} (${chartState.stage})` : key;
  box.querySelector('h3').append(
      ' ',
      el('button', {type: 'button', class: 'small', 'data-testid': 'save-png',
                    title: 'save this chart as a PNG image',
                    onclick: async () => download(await chartToPngUrl(u, title), `${name}.png`)},
         'PNG'),
      ' ',
      el('button', {type: 'button', class: 'small', 'data-testid': 'save-svg',
                    title: 'save this chart as an SVG vector image',
                    onclick: () => download(URL.createObjectURL(
                        new Blob([chartToSvg(u, title)], {type: 'image/svg+xml'})), `${name}.svg`)},
         'SVG'));
}

export async function renderCharts(view) {
  clear(view);
  const runs = comparedRuns();
  if (!runs.length) {
    view.append(el('p', {class: 'muted'}, 'no runs: pick a sweep or select runs in the runs table'));
    return;
  }
  const cacheKey = runs.map((r) => r.id).join(',');
  if (chartState.cacheKey !== cacheKey) {
    view.append(el('p', {class: 'muted'}, 'loading curves…'));
    chartState.series = await getForRuns('scalars', runs.map((r) => r.id), 'series',
                                         {max_points: 2000});
    chartState.cacheKey = cacheKey;
    clear(view);
  }
  const seriesByRun = new Map();
  const keys = new Set();
  const stages = new Set();
  for (const s of chartState.series) {
    if (!seriesByRun.has(s.run_id)) seriesByRun.set(s.run_id, []);
    seriesByRun.get(s.run_id).push(s);
    keys.add(s.key);
    stages.add(s.stage);
  }
  const keyList = [...keys].sort();
  if (!chartState.keys || !chartState.keys.some((k) => keys.has(k))) {
    chartState.keys = keys.has('loss') ? ['loss'] : keyList.slice(0, 1);
  }
  const charts = el('div', {class: 'charts'});
  const redraw = () => {
    clear(charts);
    for (const key of chartState.keys.filter((k) => keys.has(k))) {
      drawChart(charts, key, runs, seriesByRun);
    }
  };
  view.append(
      el('section', {class: 'controls'},
         el('span', {class: 'muted'},
            `${runs.length} runs${state.selected.size ? ' (selected)' : ' (all shown)'}` +
            (state.groupBy ? `, grouped by ${state.groupBy}` : '')),
         el('span', {class: 'keys'}, 'curves: ', keyList.map((k) => el('label', {},
             el('input', {type: 'checkbox', checked: chartState.keys.includes(k),
               'data-testid': `key-${k}`,
               onchange: (e) => {
                 chartState.keys = e.target.checked ? [...chartState.keys, k]
                                                    : chartState.keys.filter((x) => x !== k);
                 redraw();
               }}), ` ${k} `))),
         el('label', {}, 'stage ', el('select', {onchange: (e) => {
             chartState.stage = e.target.value; redraw(); }},
           el('option', {value: ''}, 'all, in order'),
           [...stages].sort().map((s) => el('option', {value: s, selected: chartState.stage === s},
                                            s)))),
         el('label', {}, 'smoothing ', el('input', {type: 'range', min: '0', max: '0.99',
             step: '0.01', value: String(chartState.smoothing), 'aria-label': 'smoothing',
             oninput: (e) => { chartState.smoothing = Number(e.target.value); redraw(); }})),
         el('label', {}, el('input', {type: 'checkbox', checked: chartState.logY,
             onchange: (e) => { chartState.logY = e.target.checked; redraw(); }}), ' log y')),
      charts);
  if (!keyList.length) {
    charts.append(el('p', {class: 'muted'}, 'these runs have logged no scalars yet'));
    return;
  }
  redraw();
}
