// Saving a drawn chart for a paper: PNG (uPlot's canvas on white, with the title and a legend)
// and SVG (vector paths of the same data, scales and colours, with axes, ticks, bands and a
// legend). Both come from the uPlot instance, so they show exactly what the page shows.
//
//   const svg = chartToSvg(u, 'loss');        // '<svg xmlns=...>...</svg>'
//   const url = await chartToPngUrl(u, 'loss');  // 'blob:...'

const FONT = '12px sans-serif';
const LEGEND_ROW = 16;

function escapeXml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;',
                                                '"': '&quot;', "'": '&apos;'}[c]));
}

// About `count` round tick values covering [min, max] (1, 2 or 5 times a power of ten).
export function niceTicks(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return [];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

function label(v) {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

// Visible series other than x, with their stroke colours.
function shownSeries(u) {
  return u.series.map((s, i) => ({s, i})).filter(({s, i}) => i > 0 && s.show !== false);
}

function strokeOf(s) {
  return typeof s.stroke === 'function' ? s.stroke() : (s.stroke || '#000');
}

// The plotting area in CSS pixels, relative to the chart's canvas.
function plotBox(u) {
  const r = window.devicePixelRatio || 1;
  return {left: u.bbox.left / r, top: u.bbox.top / r, width: u.bbox.width / r,
          height: u.bbox.height / r};
}

export function chartToSvg(u, title) {
  const box = plotBox(u);
  const legend = shownSeries(u);
  const top = 24;
  const width = u.width;
  const height = top + u.height + legend.length * LEGEND_ROW + 8;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
             `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="${width / 2}" y="16" text-anchor="middle" font-weight="bold">` +
             `${escapeXml(title)}</text>`);
  parts.push(`<g transform="translate(0 ${top})">`);
  const x0 = box.left;
  const y0 = box.top;
  const px = (v) => x0 + u.valToPos(v, 'x');
  const py = (v, scale) => y0 + u.valToPos(v, scale);
  // Axes and ticks.
  parts.push(`<rect x="${x0}" y="${y0}" width="${box.width}" height="${box.height}" ` +
             'fill="none" stroke="#888"/>');
  for (const t of niceTicks(u.scales.x.min, u.scales.x.max)) {
    const x = px(t);
    parts.push(`<line x1="${x}" y1="${y0 + box.height}" x2="${x}" y2="${y0 + box.height + 4}" ` +
               'stroke="#888"/>');
    parts.push(`<text x="${x}" y="${y0 + box.height + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  const yScale = u.series[1] ? u.series[1].scale || 'y' : 'y';
  const ys = u.scales[yScale];
  const yTicks = ys.distr === 3
      ? niceTicks(Math.log10(ys.min), Math.log10(ys.max)).filter(Number.isInteger).map((e) => 10 ** e)
      : niceTicks(ys.min, ys.max);
  for (const t of yTicks) {
    const y = py(t, yScale);
    parts.push(`<line x1="${x0 - 4}" y1="${y}" x2="${x0 + box.width}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${x0 - 6}" y="${y + 4}" text-anchor="end">${label(t)}</text>`);
  }
  const axisLabel = (i) => (u.axes[i] && u.axes[i].label) || '';
  parts.push(`<text x="${x0 + box.width / 2}" y="${y0 + box.height + 32}" text-anchor="middle">` +
             `${escapeXml(axisLabel(0))}</text>`);
  parts.push(`<text transform="translate(12 ${y0 + box.height / 2}) rotate(-90)" ` +
             `text-anchor="middle">${escapeXml(axisLabel(1))}</text>`);
  // Bands (a group's ±1 std), then the curves, clipped to the plotting area.
  parts.push(`<clipPath id="plot"><rect x="${x0}" y="${y0}" width="${box.width}" ` +
             `height="${box.height}"/></clipPath><g clip-path="url(#plot)">`);
  const xs = u.data[0];
  for (const band of u.bands || []) {
    const [hi, lo] = band.series;
    const upper = [];
    const lower = [];
    for (let k = 0; k < xs.length; k++) {
      const a = u.data[hi][k];
      const b = u.data[lo][k];
      if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) continue;
      upper.push(`${px(xs[k]).toFixed(2)},${py(a, u.series[hi].scale || 'y').toFixed(2)}`);
      lower.push(`${px(xs[k]).toFixed(2)},${py(b, u.series[lo].scale || 'y').toFixed(2)}`);
    }
    if (upper.length) {
      parts.push(`<polygon points="${upper.concat(lower.reverse()).join(' ')}" ` +
                 `fill="${escapeXml(band.fill)}" stroke="none"/>`);
    }
  }
  for (const {s, i} of legend) {
    let d = '';
    let pen = 'M';
    for (let k = 0; k < xs.length; k++) {
      const v = u.data[i][k];
      if (v === null || !Number.isFinite(v)) {
        if (!s.spanGaps) pen = 'M';
        continue;
      }
      d += `${pen}${px(xs[k]).toFixed(2)},${py(v, s.scale || 'y').toFixed(2)}`;
      pen = 'L';
    }
    if (d) {
      parts.push(`<path d="${d}" fill="none" stroke="${escapeXml(strokeOf(s))}" ` +
                 `stroke-width="${s.width ?? 1}"/>`);
    }
  }
  parts.push('</g>');
  // Legend below the plot.
  legend.forEach(({s}, n) => {
    const y = u.height + 4 + n * LEGEND_ROW;
    parts.push(`<line x1="${x0}" y1="${y}" x2="${x0 + 18}" y2="${y}" stroke="${escapeXml(strokeOf(s))}" ` +
               'stroke-width="2"/>');
    parts.push(`<text x="${x0 + 24}" y="${y + 4}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</g></svg>');
  return parts.join('\n');
}

// A PNG of the chart: uPlot's canvas on white with the title above and the legend below.
export function chartToPngUrl(u, title) {
  const r = window.devicePixelRatio || 1;
  const legend = shownSeries(u);
  const canvas = document.createElement('canvas');
  const top = 24;
  canvas.width = u.width * r;
  canvas.height = (top + u.height + legend.length * LEGEND_ROW + 8) * r;
  const ctx = canvas.getContext('2d');
  ctx.scale(r, r);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, u.width, canvas.height / r);
  ctx.fillStyle = '#000';
  ctx.font = `bold ${FONT}`;
  ctx.textAlign = 'center';
  ctx.fillText(title, u.width / 2, 16);
  ctx.drawImage(u.ctx.canvas, 0, top, u.width, u.height);
  ctx.font = FONT;
  ctx.textAlign = 'left';
  const x0 = plotBox(u).left;
  legend.forEach(({s}, n) => {
    const y = top + u.height + 4 + n * LEGEND_ROW;
    ctx.strokeStyle = strokeOf(s);
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x0, y);
    ctx.lineTo(x0 + 18, y);
    ctx.stroke();
    ctx.fillStyle = '#000';
    ctx.fillText(s.label, x0 + 24, y + 4);
  });
  return new Promise((resolve) => canvas.toBlob((b) => resolve(URL.createObjectURL(b)), 'image/png'));
}

// Starts a download of `url` as `filename`.
export function download(url, filename) {
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
