// Hand-written SVG charts: a time-series line chart with axes, grid and a hover read-out, and a
// grouped bar chart (expected vs actual share per bin, for drift). No library: the page must work
// offline and stay small, and these two charts are all the console needs.

import {s, clock, compact} from './dom.js';

/** "Nice" round tick values covering [0, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max, count = 4) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw);
  const ticks = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].map((x) => x * 1000);

/** Time ticks on round wall-clock instants, at most `count` of them. */
export function timeTicks(t0, t1, count = 5) {
  const span = Math.max(1, t1 - t0);
  const step = TIME_STEPS.find((st) => span / st <= count) || 3600 * 1000;
  const out = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) out.push(t);
  return out;
}

/**
 * A line chart of one or more series over time.
 *   series: [{label, cls, points: [[t, value-or-null], ...]}]  (null breaks the line)
 *   opts: {width, height, range: [t0, t1], format: v -> text for the read-out, axis: v -> tick label,
 *          min: lowest top of the y axis (so a flat zero line sits at the bottom), label}
 * Each line is a <path class="line ..."> with data-series and data-points (drawn points).
 */
export function lineChart(series, opts) {
  const W = opts.width;
  const H = opts.height;
  const m = {l: 46, r: 14, t: 10, b: 22};
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const [t0, t1] = opts.range;
  const values = series.flatMap((se) => se.points.map((p) => p[1]).filter((v) => v !== null && v !== undefined));
  const top = Math.max(opts.min || 0, ...values);
  const yTicks = niceTicks(top > 0 ? top : 1);
  const yMax = yTicks[yTicks.length - 1];
  const x = (t) => m.l + (t1 === t0 ? iw : ((t - t0) / (t1 - t0)) * iw);
  const y = (v) => m.t + ih - (v / yMax) * ih;
  const axis = opts.axis || compact;

  const svg = s('svg', {class: 'chart', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': opts.label});
  const grid = s('g', {class: 'grid'});
  for (const v of yTicks) {
    grid.append(s('line', {x1: m.l, x2: W - m.r, y1: y(v), y2: y(v)}),
        s('text', {x: m.l - 6, y: y(v) + 3.5, 'text-anchor': 'end'}, axis(v)));
  }
  for (const t of timeTicks(t0, t1, Math.max(2, Math.floor(iw / 90)))) {
    grid.append(s('line', {class: 'tick', x1: x(t), x2: x(t), y1: m.t + ih, y2: m.t + ih + 4}),
        s('text', {x: x(t), y: H - 6, 'text-anchor': 'middle'}, clock(t)));
  }
  grid.append(s('line', {class: 'axis', x1: m.l, x2: W - m.r, y1: m.t + ih, y2: m.t + ih}));
  svg.append(grid);

  if (!values.length) {
    svg.append(s('text', {class: 'empty', x: m.l + iw / 2, y: m.t + ih / 2, 'text-anchor': 'middle'}, opts.empty || 'no data yet'));
  }
  for (const se of series) {
    // unbroken runs of points (a null ends a run), in pixels
    const runs = [];
    let run = null;
    for (const [t, v] of se.points) {
      if (v === null || v === undefined) {
        run = null;
        continue;
      }
      if (!run) runs.push(run = []);
      run.push([x(t), y(v)]);
    }
    const xy = ([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`;
    const drawn = runs.reduce((n, r) => n + r.length, 0);
    if (se.area) {
      const base = y(0).toFixed(1);
      const d = runs.map((r) => `M${r[0][0].toFixed(1)},${base}L${r.map(xy).join('L')}L${r[r.length - 1][0].toFixed(1)},${base}Z`);
      svg.append(s('path', {class: `area ${se.cls}`, d: d.join('') || 'M0,0'}));
    }
    const d = runs.map((r) => 'M' + r.map(xy).join('L')).join('');
    svg.append(s('path', {class: `line ${se.cls}`, d: d || 'M0,0', 'data-series': se.label, 'data-points': drawn}));
    if (runs.length) {
      const last = runs[runs.length - 1][runs[runs.length - 1].length - 1];
      svg.append(s('circle', {class: `dot ${se.cls}`, cx: last[0].toFixed(1), cy: last[1].toFixed(1), r: 2.8}));
    }
  }
  hover(svg, series, {x, m, iw, ih, W, t0, t1, format: opts.format || compact});
  return svg;
}

/** A vertical rule and a read-out of every series at the sample nearest the pointer. */
function hover(svg, series, {x, m, iw, ih, W, t0, t1, format}) {
  const times = [...new Set(series.flatMap((se) => se.points.map((p) => p[0])))].sort((a, b) => a - b);
  if (!times.length) return;
  const rule = s('line', {class: 'rule', y1: m.t, y2: m.t + ih, visibility: 'hidden'});
  const label = s('text', {class: 'readout', y: m.t + 12, visibility: 'hidden'});
  const overlay = s('rect', {class: 'overlay', x: m.l, y: m.t, width: iw, height: ih});
  svg.append(rule, label, overlay);
  overlay.addEventListener('mousemove', (e) => {
    const box = svg.getBoundingClientRect();
    const px = ((e.clientX - box.left) / box.width) * W;
    const t = t0 + ((px - m.l) / iw) * (t1 - t0);
    let best = times[0];
    for (const c of times) if (Math.abs(c - t) < Math.abs(best - t)) best = c;
    const parts = series.map((se) => {
      const p = se.points.find((q) => q[0] === best);
      return (series.length > 1 ? se.label + ' ' : '') + (p && p[1] !== null ? format(p[1]) : '—');
    });
    const bx = x(best);
    rule.setAttribute('x1', bx);
    rule.setAttribute('x2', bx);
    label.textContent = `${clock(best)}  ${parts.join(' · ')}`;
    const left = bx > m.l + iw / 2;
    label.setAttribute('x', left ? bx - 6 : bx + 6);
    label.setAttribute('text-anchor', left ? 'end' : 'start');
    rule.setAttribute('visibility', 'visible');
    label.setAttribute('visibility', 'visible');
  });
  overlay.addEventListener('mouseleave', () => {
    rule.setAttribute('visibility', 'hidden');
    label.setAttribute('visibility', 'hidden');
  });
}

/**
 * A bin's label short enough for the axis: a bound's number compacted ("<= 2,789.53" → "<= 2.79k"),
 * anything else cut with an ellipsis; the full label stays in the bars' tooltips.
 */
export function shortBinLabel(text) {
  const m = /^(<=|>|<|>=) ?(-?[0-9][0-9,]*(\.[0-9]+)?(E-?[0-9]+)?)$/i.exec(text);
  if (m) {
    const v = Number(m[2].replace(/,/g, ''));
    if (Number.isFinite(v)) return `${m[1]} ${compact(v)}`;
  }
  return text.length > 9 ? text.slice(0, 8) + '…' : text;
}

/**
 * Expected vs actual share per bin, side by side (a drift histogram).
 *   bins: [{label, expected, actual}] (shares in [0, 1])
 */
export function binChart(bins, {width, height, label}) {
  const m = {l: 34, r: 6, t: 8, b: 30};
  const iw = width - m.l - m.r;
  const ih = height - m.t - m.b;
  const top = Math.max(0.0001, ...bins.flatMap((b) => [b.expected || 0, b.actual || 0]));
  const ticks = niceTicks(top, 4);
  const yMax = ticks[ticks.length - 1];
  const y = (v) => m.t + ih - (v / yMax) * ih;
  const svg = s('svg', {class: 'chart bins', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label});
  const grid = s('g', {class: 'grid'});
  for (const v of ticks) {
    grid.append(s('line', {x1: m.l, x2: width - m.r, y1: y(v), y2: y(v)}),
        s('text', {x: m.l - 4, y: y(v) + 3.5, 'text-anchor': 'end'}, Math.round(v * 100) + '%'));
  }
  svg.append(grid);
  const slot = iw / Math.max(1, bins.length);
  const bw = Math.max(2, Math.min(14, slot / 2 - 2));
  const labelEvery = Math.ceil(bins.length / Math.max(1, Math.floor(iw / 46)));
  bins.forEach((b, i) => {
    const cx = m.l + slot * i + slot / 2;
    for (const [kind, v, dx] of [['expected', b.expected, -bw], ['actual', b.actual, 0]]) {
      const val = v || 0;
      svg.append(s('rect', {class: `bar ${kind}`, x: cx + dx, y: y(val), width: bw, height: Math.max(0, m.t + ih - y(val)),
        'data-bin': b.label, 'data-kind': kind, 'data-value': val},
      s('title', {}, `${b.label}: ${kind} ${(val * 100).toFixed(1)}%`)));
    }
    if (i % labelEvery === 0) {
      svg.append(s('text', {class: 'binlabel', x: cx, y: height - m.b + 13, 'text-anchor': 'middle'},
          shortBinLabel(b.label)));
    }
  });
  svg.append(s('line', {class: 'axis', x1: m.l, x2: width - m.r, y1: m.t + ih, y2: m.t + ih}));
  return svg;
}
