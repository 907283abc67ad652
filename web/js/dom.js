// Building DOM nodes safely: every string becomes a text node, never parsed as markup.
// Nothing in the dashboard parses HTML from strings; data from the store (run names, captions,
// predictions) can therefore never run as script.
//
//   el('td', {class: 'num', title: run.id}, run.variant)

const ALLOWED_ATTRIBUTES = new Set([
  'class', 'id', 'title', 'type', 'value', 'name', 'for', 'href', 'download', 'src', 'alt',
  'placeholder', 'min', 'max', 'step', 'colspan', 'role', 'hidden', 'checked', 'selected',
  'disabled', 'aria-label', 'aria-sort', 'data-testid', 'data-points', 'data-path', 'data-run',
  'multiple', 'size', 'rel', 'target', 'label',
]);

// Creates <tag> with attributes (strings; booleans toggle; event handlers as onX functions)
// and children (nodes, strings -> text nodes, arrays flattened, null/undefined skipped).
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'checked' || name === 'selected' || name === 'disabled') {
      node[name] = Boolean(value);
    } else if (name === 'value') {
      node.value = String(value);
    } else if (ALLOWED_ATTRIBUTES.has(name)) {
      if (name === 'href' || name === 'src') checkUrl(value);
      node.setAttribute(name, value === true ? '' : String(value));
    } else {
      throw new Error(`el(): attribute ${name} is not allowed`);
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) {
      append(node, child);
    } else if (child instanceof Node) {
      node.appendChild(child);
    } else {
      node.appendChild(document.createTextNode(String(child)));
    }
  }
}

// Only our own paths, in-page anchors and checked image data URIs may become links or sources.
function checkUrl(url) {
  const s = String(url);
  if (s.startsWith('/') && !s.startsWith('//')) return;
  if (s.startsWith('#')) return;
  if (isImageDataUri(s)) return;
  throw new Error(`refusing URL ${s.slice(0, 40)}`);
}

const DATA_URI = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+=*$/;

export function isImageDataUri(s) {
  return typeof s === 'string' && DATA_URI.test(s);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// A query string from an object; arrays are joined with commas; empty values dropped.
export function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) {
      continue;
    }
    const value = Array.isArray(v) ? v.join(',') : String(v);
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(value)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

// Numbers for tables: 4 significant digits, integers as they are.
export function formatNumber(v) {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}
