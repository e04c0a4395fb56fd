// Data quality: firing and resolved alerts (GET /v1/alerts), quality rules (GET /v1/quality
// "rules") and drift of served features against a reference (PSI, "drift"), plus the banner that
// shows firing alerts on every tab. A server without these endpoints answers 404: each part then
// says it is not available here, and the banner stays hidden.

import {h, fill, notice, errorNotice, num, dateTime, ago, seconds} from './dom.js';
import {fetchOptional, polling} from './api.js';
import {binChart} from './charts.js';

const RANK = {violated: 0, drifted: 0, no_data: 1, insufficient_data: 1, ok: 2};
const PILL = {ok: 'ok', violated: 'bad', drifted: 'bad', firing: 'bad', no_data: 'none', insufficient_data: 'none'};

function pill(status) {
  return h('span', {class: ['pill', PILL[status] || 'none'], 'data-status': status}, status.replace(/_/g, ' '));
}

const byRank = (a, b) => (RANK[a.status] ?? 3) - (RANK[b.status] ?? 3);


function runbook(path) {
  if (!path) return null;
  return /^https?:\/\//.test(path)
      ? h('a', {href: path, target: '_blank', rel: 'noopener noreferrer'}, 'runbook')
      : h('span', {}, 'runbook ', h('code', {}, path));
}

function firingAlert(a) {
  return h('div', {class: 'alert firing', 'data-alert': a.id},
      h('div', {class: 'title'}, pill('firing'), ' ', h('strong', {}, a.alert), ' · ', a.subject),
      h('p', {}, a.message),
      h('p', {class: 'muted small'}, `value ${num(a.value)} · threshold ${num(a.threshold)} · since ${dateTime(a.since)} (${ago(a.since)})`,
          a.runbook ? ' · ' : null, runbook(a.runbook)));
}

function alertsPart(res) {
  if (res.unavailable) {
    return notice('unavailable', 'Alerts are not available on this server', 'GET /v1/alerts answered 404: this server does not evaluate alerts.');
  }
  if (res.error) return errorNotice(res.error, 'Loading alerts');
  const {firing = [], resolved = []} = res.data;
  return h('div', {class: 'alerts'},
      firing.length ? firing.map(firingAlert) : h('p', {class: 'ok-line'}, pill('ok'), ' No alert is firing.'),
      resolved.length ? h('details', {class: 'resolved', 'data-key': 'resolved'}, h('summary', {}, `${resolved.length} resolved recently`),
          h('table', {class: 'grid-table'},
              h('thead', {}, h('tr', {}, ['Alert', 'Subject', 'Fired', 'Resolved', 'Lasted', 'Message'].map((c) => h('th', {}, c)))),
              h('tbody', {}, resolved.map((a) => h('tr', {'data-alert': a.id},
                  h('td', {}, h('strong', {}, a.alert)), h('td', {}, a.subject), h('td', {class: 'mono small'}, dateTime(a.since)),
                  h('td', {class: 'mono small'}, dateTime(a.resolved_at)),
                  h('td', {}, a.resolved_at && a.since ? seconds((a.resolved_at - a.since) / 1000) : '—'),
                  h('td', {class: 'small'}, a.message, a.runbook ? ' · ' : null, runbook(a.runbook))))))) : null);
}

function rulesPart(rules) {
  if (!rules.length) return notice('empty', 'No quality rules', 'Add expect: {min: 0, max_null_rate: 0.01} to a field or feature in the definitions.');
  return h('table', {class: 'grid-table rules'},
      h('thead', {}, h('tr', {}, ['Status', 'Target', 'Rule', 'Expected', 'Checked', 'Violations', 'Last violation', 'Message']
          .map((c) => h('th', {}, c)))),
      h('tbody', {}, [...rules].sort(byRank).map((r) => h('tr', {class: 'st-' + r.status, 'data-rule': `${r.target}/${r.rule}`},
          h('td', {}, pill(r.status)), h('td', {}, r.target), h('td', {class: 'mono'}, r.rule), h('td', {class: 'mono'}, r.expected),
          h('td', {class: 'num'}, num(r.checked)), h('td', {class: 'num'}, num(r.violations)),
          h('td', {class: 'small'}, r.last_violation
              ? [h('code', {}, r.last_violation.value), ' ', h('span', {class: 'muted'}, ago(r.last_violation.at))] : '—'),
          h('td', {class: 'small'}, r.message || '')))));
}

function driftCard(d) {
  const share = d.max_psi > 0 ? Math.min(1.5, d.psi / d.max_psi) / 1.5 : 0;
  const meter = h('div', {class: 'meter', title: `PSI ${d.psi} of at most ${d.max_psi}`},
      h('div', {class: ['fill', d.status === 'drifted' ? 'bad' : 'ok']}), h('div', {class: 'limit'}));
  meter.firstChild.style.width = (share * 100).toFixed(1) + '%'; // CSSOM, allowed by the page's CSP
  meter.lastChild.style.left = (100 / 1.5).toFixed(1) + '%';
  return h('div', {class: 'drift-card', 'data-feature': d.feature},
      // without max_psi the PSI is shown but never judged: not a green "ok"
      h('header', {}, h('span', {class: 'mono'}, d.feature), pill(d.max_psi === null && d.status === 'ok' ? 'not_judged' : d.status)),
      h('div', {class: 'psi'}, h('span', {class: 'big'}, d.psi === null || d.psi === undefined ? '—' : d.psi.toFixed(3)), ' PSI ',
          h('span', {class: 'muted'}, d.max_psi === null || d.max_psi === undefined ? '(no max_psi: never alerts)' : `(max ${d.max_psi})`)),
      meter,
      h('p', {class: 'muted small'}, `${num(d.samples)} samples vs ${num(d.reference_samples)} reference`,
          d.reference ? ` (${d.reference})` : ''),
      d.bins && d.bins.length ? [binChart(d.bins, {width: 330, height: 130, label: `distribution of ${d.feature}`}),
        h('div', {class: 'series-keys'}, h('span', {class: 'swatch expected'}, 'reference'), h('span', {class: 'swatch actual'}, 'now'))] : null);
}

/**
 * Cards for the features with a verdict; the ones still collecting (no reference yet, or fewer than
 * 100 served values on a side) in one compact table, so fifty empty cards do not bury the few that matter.
 */
function driftPart(drift) {
  if (!drift.length) return notice('empty', 'No drift checks', 'Drift is measured for served features once a reference window exists.');
  const judged = drift.filter((d) => d.status !== 'insufficient_data');
  const waiting = drift.filter((d) => d.status === 'insufficient_data');
  const parts = [];
  if (judged.length) parts.push(h('div', {class: 'drift-grid'}, [...judged].sort(byRank).map(driftCard)));
  if (waiting.length) {
    parts.push(h('details', {class: 'collecting', 'data-key': 'collecting'},
        h('summary', {}, `${waiting.length} feature${waiting.length === 1 ? '' : 's'} collecting data`,
            h('span', {class: 'muted'}, ' — a verdict needs a reference and 100 served values on each side')),
        h('table', {class: 'grid-table collecting'},
            h('thead', {}, h('tr', {}, ['Feature', 'Served values', 'Reference values', 'Reference'].map((c) => h('th', {}, c)))),
            h('tbody', {}, waiting.map((d) => h('tr', {'data-collecting': d.feature},
                h('td', {class: 'mono'}, d.feature), h('td', {class: 'num'}, num(d.samples)),
                h('td', {class: 'num'}, num(d.reference_samples)), h('td', {class: 'small muted'}, d.reference || '—')))))));
  }
  return parts;
}

function summary(alerts, quality) {
  const tile = (label, value, bad) => h('div', {class: ['stat', bad ? 'bad' : null]}, h('div', {class: 'label'}, label), h('div', {class: 'value'}, value));
  const out = [];
  if (alerts.data) out.push(tile('Alerts firing', String(alerts.data.firing.length), alerts.data.firing.length > 0));
  if (quality.data) {
    const rules = quality.data.rules || [];
    const drift = quality.data.drift || [];
    const v = rules.filter((r) => r.status === 'violated').length;
    const d = drift.filter((x) => x.status === 'drifted').length;
    out.push(tile('Rules violated', `${v} of ${rules.length}`, v > 0), tile('Features drifted', `${d} of ${drift.length}`, d > 0));
  }
  return out.length ? h('div', {class: 'stats'}, out) : null;
}

/** The Quality view; refreshed every 10 s while shown. */
export function mountQuality(root) {
  return polling(async () => {
    const [alerts, quality] = await Promise.all([fetchOptional('/v1/alerts'), fetchOptional('/v1/quality')]);
    let qualityParts;
    if (quality.unavailable) {
      qualityParts = notice('unavailable', 'Quality checks are not available on this server',
          'GET /v1/quality answered 404: this server does not monitor quality rules or drift.');
    } else if (quality.error) {
      qualityParts = errorNotice(quality.error, 'Loading quality');
    } else {
      qualityParts = [h('h2', {}, 'Rules'), rulesPart(quality.data.rules || []), h('h2', {}, 'Drift'), driftPart(quality.data.drift || [])];
    }
    fill(root, summary(alerts, quality), h('h2', {}, 'Alerts'), alertsPart(alerts), qualityParts);
    return true;
  }, 10000);
}

/** Keeps `banner` showing the firing alerts, on every tab (hidden when none fire or the server has no alerts). */
export function watchAlerts(banner) {
  const refresh = async () => {
    const res = await fetchOptional('/v1/alerts');
    const firing = (res.data && res.data.firing) || [];
    banner.hidden = firing.length === 0;
    if (firing.length) {
      const shown = firing.slice(0, 3);
      fill(banner, h('strong', {}, `${firing.length} alert${firing.length === 1 ? '' : 's'} firing`),
          shown.map((a) => h('span', {class: 'banner-alert', 'data-alert': a.id}, h('b', {}, a.alert), ` ${a.message}`)), // the message names its subject
          firing.length > shown.length ? h('span', {}, `and ${firing.length - shown.length} more`) : null,
          h('a', {href: '#quality'}, 'Details'));
    }
    // unavailable: ask again rarely (the server may be upgraded under the page)
    setTimeout(refresh, res.unavailable ? 60000 : 15000);
  };
  refresh();
}
