// Building DOM and SVG from data, and formatting numbers and times for people.
//
// Every text from the server (names, descriptions, entity keys, feature values) goes in as a text
// node or an attribute value, never as HTML: nothing the definitions or an event says can become
// markup or script (the page's Content-Security-Policy forbids inline script besides).

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An HTML element: h('td', {class: 'num'}, 'text', child, [more]). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/**
 * Replaces the children of `el` (nulls skipped, arrays flattened, as in h). A `<details data-key>` the new
 * children hold again keeps the open or closed state the old one had, so a view that refreshes does not
 * fold what the reader opened.
 */
export function fill(el, ...children) {
  const states = new Map();
  el.querySelectorAll && el.querySelectorAll('details[data-key]').forEach((d) => states.set(d.dataset.key, d.open));
  append(clear(el), children);
  if (states.size) {
    el.querySelectorAll('details[data-key]').forEach((d) => {
      if (states.has(d.dataset.key)) d.open = states.get(d.dataset.key);
    });
  }
  return el;
}

/** A panel saying why there is nothing to show: {title, text, kind: 'empty' | 'unavailable' | 'error'}. */
export function notice(kind, title, ...text) {
  return h('div', {class: ['notice', kind], 'data-notice': kind}, h('strong', {}, title), text.length ? h('p', {}, ...text) : null);
}

/** The name of `names` closest to a mistyped `name` (edit distance at most 2, or one contains the other), or null. */
export function closestName(name, names) {
  const a = String(name || '').toLowerCase();
  let best = null;
  let bestD = 3;
  for (const n of names) {
    const b = n.toLowerCase();
    const d = a && (b.includes(a) || a.includes(b)) ? Math.min(2, editDistance(a, b)) : editDistance(a, b);
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a, b) {
  let prev = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

export function errorNotice(e, what) {
  const hint = e && e.hint ? h('span', {class: 'hint'}, ' ' + e.hint) : null;
  return notice('error', `${what} failed`, (e && e.message) || String(e), hint);
}

// ---------------------------------------------------------------- formatting

const nf = new Intl.NumberFormat('en-US', {maximumFractionDigits: 2});
const nf0 = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});
const nf1 = new Intl.NumberFormat('en-US', {maximumFractionDigits: 1});

/** 1234.5 -> "1,234.5"; large numbers without decimals; null -> "—". */
export function num(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return Math.abs(v) >= 1000 ? nf0.format(v) : nf.format(v);
}

/** Compact axis labels: 1200 -> "1.2k", 0.05 -> "0.05". */
export function compact(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return trim(v / 1e9) + 'G';
  if (a >= 1e6) return trim(v / 1e6) + 'M';
  if (a >= 1e3) return trim(v / 1e3) + 'k';
  return trim(v);
}

function trim(v) {
  return String(Number(v.toPrecision(3)));
}

export function percent(v, digits = 1) {
  if (v === null || v === undefined) return '—';
  return (v * 100).toFixed(v > 0 && v < 0.001 ? 3 : digits) + ' %';
}

/** Seconds as a duration: 0.4 s, 12 s, 3 min 5 s, 2 h 10 min, 3 d 4 h. */
export function seconds(v) {
  if (v === null || v === undefined) return '—';
  if (v < 1) return nf.format(v) + ' s'; // freshness in hundredths: 0.02 s
  if (v < 10) return nf1.format(v) + ' s'; // 7.2 s ago, not 7.19 s
  if (v < 60) return Math.round(v) + ' s';
  const m = Math.floor(v / 60);
  if (m < 60) return m + ' min' + (m < 10 && v % 60 >= 1 ? ' ' + Math.floor(v % 60) + ' s' : '');
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return hrs + ' h' + (m % 60 ? ' ' + (m % 60) + ' min' : '');
  return Math.floor(hrs / 24) + ' d' + (hrs % 24 ? ' ' + (hrs % 24) + ' h' : '');
}

export function millis(v) {
  if (v === null || v === undefined) return '—';
  return v < 1000 ? v + ' ms' : seconds(v / 1000);
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/** Local wall-clock time of an epoch-millis instant: 14:03:27. */
export function clock(t) {
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local date and time: 2026-11-27 14:03:27. */
export function dateTime(t) {
  if (t === null || t === undefined) return '—';
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(t)}`;
}

/** How long ago an instant was: "12 s ago"; "in 3 s" for the future. */
export function ago(t, now = Date.now()) {
  if (t === null || t === undefined) return '—';
  const d = (now - t) / 1000;
  if (Math.abs(d) < 1) return 'just now';
  return d >= 0 ? seconds(d) + ' ago' : 'in ' + seconds(-d);
}
