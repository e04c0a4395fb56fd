// Sources over time: freshness, throughput, reject rate and consumer lag per source, from the
// node's own sampled history (GET /v1/history, the last hour), refreshed while the tab is open.
// Outcome totals since the start come from GET /health; the fields the features read, and how many
// events carried each, from GET /v1/diagnostics.

import {h, fill, notice, errorNotice, seconds, num, percent, compact} from './dom.js';
import {getJson} from './api.js';
import {lineChart} from './charts.js';

const CHARTS = [
  {key: 'freshness', title: 'Freshness', unit: 'seconds behind now', min: 1, format: seconds,
    series: [{label: 'freshness', cls: 's1', field: 'freshness_s', area: true}]},
  {key: 'throughput', title: 'Throughput', unit: 'events per second', min: 1, format: (v) => num(v) + '/s',
    series: [{label: 'accepted', cls: 's1', field: 'accepted_per_s', area: true}, {label: 'in', cls: 's2', field: 'in_per_s'}]},
  {key: 'rejects', title: 'Reject rate', unit: 'share of events dead-lettered', min: 0.01, format: (v) => percent(v, 2),
    axis: (v) => compact(v * 100) + '%', series: [{label: 'rejected', cls: 's3', field: 'reject_rate', area: true}]},
  {key: 'lag', title: 'Consumer lag', unit: 'records not yet read', min: 10, format: (v) => num(v) + ' records',
    series: [{label: 'lag', cls: 's4', field: 'lag', area: true}]},
];

/** The newest sample's value: rates are over its interval, so an idle source shows 0/s and no reject rate. */
function latest(points, field) {
  return points.length ? points[points.length - 1][field] : null;
}

function stat(label, value, key, title) {
  return h('div', {class: 'stat', 'data-stat': key, title}, h('div', {class: 'label'}, label), h('div', {class: 'value'}, value));
}

/** A field none of this many events carried is called absent (as tessera doctor does). */
const ABSENT_AFTER = 10000;

/**
 * The fields the features read (of, where) and how many of the events since the node started carried
 * each (GET /v1/diagnostics): a field none carries is a misspelt name or a renamed field, and what
 * reads it stays 0 or null. Open when one is absent.
 */
function fieldsPart(fields, source) {
  if (!fields || !fields.length) return null;
  const absent = fields.filter((f) => f.events >= ABSENT_AFTER && f.present === 0);
  return h('details', {class: 'fields-read', open: absent.length > 0, 'data-key': `fields-${source}`},
      h('summary', {}, `Fields the features read (${fields.length})`,
          absent.length ? h('span', {class: ['pill', 'bad'], 'data-absent': absent.map((f) => f.field).join(' ')},
              `${absent.length} never present`) : null),
      h('table', {class: 'grid-table'},
          h('thead', {}, h('tr', {}, ['Field', 'Present in', 'Read by'].map((c) => h('th', {}, c)))),
          h('tbody', {}, fields.map((f) => h('tr', {'data-field': f.field},
              h('td', {class: 'mono'}, f.field),
              h('td', {class: 'num'}, f.events ? [percent(f.present / f.events, 1), h('span', {class: 'muted small'},
                  ` of ${num(f.events)}`)] : h('span', {class: 'muted'}, 'no event yet'),
                  f.events >= ABSENT_AFTER && f.present === 0 ? h('div', {class: 'small'},
                      'never: check the name against what the producers send') : null),
              h('td', {class: 'small'}, f.readBy.join(', ')))))));
}

function sourceCard(name, points, def, events, width, intervalMs, stateless, fields) {
  const last = points.length ? points[points.length - 1].t : Date.now();
  const first = points.length ? points[0].t : last;
  const range = [Math.min(first, last - 60 * intervalMs), last];
  const charts = CHARTS.map((c) => {
    const series = c.series.map((se) => ({label: se.label, cls: se.cls, area: se.area, points: points.map((p) => [p.t, p[se.field]])}));
    return h('figure', {class: 'chart-box', 'data-chart': c.key},
        h('figcaption', {}, h('strong', {}, c.title), ' ', h('span', {class: 'muted'}, c.unit),
            c.series.length > 1 ? h('span', {class: 'series-keys'}, c.series.map((se) => h('span', {class: ['swatch', se.cls]}, se.label))) : null),
        lineChart(series, {width, height: 170, range, min: c.min, format: c.format, axis: c.axis, label: `${c.title} of ${name}`,
          // a stateless node reads what the Flink job publishes: its consumer lag is the job's own Flink metric
          empty: stateless && c.key === 'lag' ? 'not known here: see the Flink job\'s consumer lag metrics' : null}));
  });
  const outcomes = events ? Object.entries(events).filter(([, v]) => v > 0) : [];
  return h('article', {class: 'source-card', 'data-source': name},
      h('header', {}, h('h3', {}, name),
          def ? h('span', {class: 'muted'}, `${def.topic} · ${def.format} · lateness ${def.lateness}`) : null),
      h('div', {class: 'stats'},
          stat('Freshness', seconds(latest(points, 'freshness_s')), 'freshness'),
          stat('Accepted', num(latest(points, 'accepted_per_s')) + ' /s', 'accepted'),
          stat('In', num(latest(points, 'in_per_s')) + ' /s', 'in'),
          stat('Reject rate', percent(latest(points, 'reject_rate'), 2), 'reject_rate',
              'rejected share of the events decided in the last interval; — when none was'),
          stat('Consumer lag', num(latest(points, 'lag')), 'lag')),
      h('div', {class: 'charts'}, charts),
      outcomes.length ? h('p', {class: 'outcomes muted'}, 'Since start: ',
          outcomes.map(([k, v], i) => [i ? ' · ' : '', h('span', {class: 'mono'}, num(v)), ' ', k.replace(/_/g, ' ')])) : null,
      fieldsPart(fields, name));
}

/** The Sources view; polls while shown. */
export function mountSources(root, cat) {
  const intro = h('p', {class: 'muted intro'});
  const body = h('div', {});
  root.append(intro, body);
  let timer = null;
  let shown = false;

  const refresh = async () => {
    let history;
    let health = null;
    let diagnostics = null;
    try {
      [history, health, diagnostics] = await Promise.all([getJson('/v1/history'), getJson('/health').catch(() => null),
        getJson('/v1/diagnostics').catch(() => null)]);
    } catch (e) {
      fill(body, e.notAvailable
          ? notice('unavailable', 'No source history on this node',
              'This node runs no stream runtime (a stateless tessera serve node reads features from a shared store), so it '
              + 'keeps no per-source history. Open the console of a node that runs the sources (tessera run or tessera demo), '
              + 'or chart its /metrics.')
          : errorNotice(e, 'Loading the source history'));
      if (e.notAvailable) {
        stop();
      } else if (shown) { // the node may be back in a moment: keep asking, as the other views do
        clearTimeout(timer);
        timer = setTimeout(refresh, 5000);
      }
      return;
    }
    const every = Math.min(5000, Math.max(1000, history.interval_ms));
    intro.textContent = `Sampled every ${seconds(history.interval_ms / 1000)} by this node, which keeps the last `
        + `${history.capacity} samples (${seconds((history.interval_ms * history.capacity) / 1000)}). `
        + 'Longer history: the Prometheus metrics at /metrics.';
    const defs = new Map(cat.sources.map((x) => [x.name, x]));
    const names = Object.keys(history.sources);
    // two charts side by side in a card: the card's padding (2 × 16 px) and the gap (28 px) come off
    const width = Math.max(280, Math.floor(((root.clientWidth || 1100) - 32 - 28 - 2) / 2));
    const events = (n) => (health && health.sources && health.sources[n] ? health.sources[n].events : null);
    const stateless = !!(health && health.store && !health.runtime);
    const fields = (n) => ((diagnostics && diagnostics.sources) || []).filter((x) => x.source === n).map((x) => x.fields)[0];
    const cards = names.map((n) => sourceCard(n, history.sources[n], defs.get(n), events(n), width, history.interval_ms, stateless,
        fields(n)));
    const idle = cat.sources.filter((x) => !names.includes(x.name)).map((x) => x.name);
    fill(body, cards, idle.length
        ? h('p', {class: 'muted'}, `Not consumed by this node (no feature group reads ${idle.length === 1 ? 'it' : 'them'}): ${idle.join(', ')}.`)
        : null);
    if (!names.length) body.prepend(notice('empty', 'No sources', 'This node consumes no source.'));
    if (shown) {
      clearTimeout(timer);
      timer = setTimeout(refresh, every);
    }
  };
  const stop = () => {
    clearTimeout(timer);
    timer = null;
  };
  return {
    show() {
      shown = true;
      refresh();
    },
    hide() {
      shown = false;
      stop();
    },
  };
}
