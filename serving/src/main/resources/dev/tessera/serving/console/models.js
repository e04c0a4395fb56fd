// Models and experiments: the registry's models (GET /v1/models) and each experiment between their
// versions (GET /v1/experiments): its guardrails, and per variant the configured and current share,
// whether a guardrail rolled it back and why, and the figures over the guardrail window on this node
// (requests, errors, p99 latency, mean score, score drift against control). Polled while shown.
//
// The console only reads: it does not score (a score is logged to tessera.predictions and counts in
// the experiment's figures). Score with POST /v1/score/{model}.

import {h, fill, notice, errorNotice, num, percent, dateTime, ago, seconds} from './dom.js';
import {fetchOptional, polling} from './api.js';

function orDash(v, format) {
  return v === null || v === undefined ? h('span', {class: 'muted'}, '—') : format(v);
}

function guardrails(x) {
  const g = x.guardrails;
  const parts = [];
  if (g.max_error_rate !== null) parts.push(`error rate ≤ ${percent(g.max_error_rate, 2)}`);
  if (g.max_p99_ms !== null) parts.push(`p99 ≤ ${num(g.max_p99_ms)} ms`);
  if (g.max_score_psi !== null) parts.push(`score PSI vs control ≤ ${num(g.max_score_psi)}`);
  return h('p', {class: 'muted small', 'data-guardrails': ''},
      parts.length ? `Guardrails over the last ${seconds(x.window_s)}, once ${num(g.min_requests)} requests are in: ${parts.join(' · ')}. `
          + 'A variant that breaks one goes back to control, and stays there across restarts.'
          : 'No guardrails.');
}

function variantRow(v, minRequests) {
  const rolledBack = v.status === 'rolled_back';
  const judged = v.requests >= minRequests;
  return h('tr', {'data-variant': v.name, 'data-status': v.status},
      h('td', {}, h('strong', {}, v.name)),
      h('td', {class: 'mono'}, `v${v.version}`),
      h('td', {class: 'num', 'data-share': v.share},
          percent(v.share, 0), v.share !== v.configured_share ? h('span', {class: 'muted small'}, ` (configured ${percent(v.configured_share, 0)})`) : null),
      h('td', {}, h('span', {class: ['pill', rolledBack ? 'bad' : 'ok']}, rolledBack ? 'rolled back' : 'active'),
          !rolledBack && !judged ? h('div', {class: 'muted small', 'data-not-judged': ''},
              `not judged yet: ${num(v.requests)} of ${num(minRequests)} requests`) : null,
          rolledBack && v.rollback ? h('div', {class: 'small'}, v.rollback.reason,
              h('span', {class: 'muted'}, ` · ${dateTime(v.rollback.at)} (${ago(v.rollback.at)})`)) : null),
      h('td', {class: 'num', 'data-requests': v.requests}, num(v.requests)),
      h('td', {class: 'num'}, num(v.errors), v.error_rate === null ? null : h('span', {class: 'muted small'}, ` (${percent(v.error_rate, 2)})`)),
      h('td', {class: 'num'}, orDash(v.p99_ms, (x) => `${num(x)} ms`)),
      h('td', {class: 'num'}, orDash(v.mean_score, (x) => x.toFixed(4))),
      h('td', {class: 'num'}, orDash(v.score_psi_vs_control, (x) => x.toFixed(3))));
}

function experimentCard(x) {
  const rolledBack = x.variants.filter((v) => v.status === 'rolled_back');
  return h('article', {class: 'source-card', 'data-experiment': x.name},
      h('header', {}, h('h3', {}, x.name), h('span', {class: 'muted'}, `model ${x.model} · salt ${x.salt}`
          + (x.shadows.length ? ` · shadow ${x.shadows.map((s) => 'v' + s).join(', ')} (scored and logged, never answered)` : ''))),
      rolledBack.length ? notice('error', `${rolledBack.map((v) => v.name).join(', ')} rolled back to control`,
          rolledBack.map((v) => `${v.name}: ${v.rollback ? v.rollback.reason : ''}`).join(' · ')) : null,
      guardrails(x),
      h('div', {class: 'table-scroll'}, // nine columns: scrolls inside its card on a narrow window
          h('table', {class: 'grid-table variants'},
              h('thead', {}, h('tr', {}, ['Variant', 'Version', 'Share', 'Status', 'Requests', 'Errors', 'p99', 'Mean score',
                  'Score PSI vs control'].map((c) => h('th', {}, c)))),
              h('tbody', {}, x.variants.map((v) => variantRow(v, x.guardrails.min_requests))))),
      h('p', {class: 'muted small'}, `Requests, errors, p99, mean score and PSI are over the last ${seconds(x.window_s)} on this node. `
          + 'A unit (the entity key, or unit_id) always gets the same variant.'));
}

function modelsTable(models) {
  return h('table', {class: 'grid-table models'},
      h('thead', {}, h('tr', {}, ['Model', 'Format', 'Service', 'Inputs', 'Owner', 'Experiment', 'Description'].map((c) => h('th', {}, c)))),
      h('tbody', {}, models.map((m) => h('tr', {'data-model': `${m.name}/${m.version}`},
          h('td', {}, h('strong', {}, m.name), h('span', {class: 'mono muted'}, ` v${m.version}`)),
          h('td', {class: 'mono'}, m.format),
          h('td', {class: 'mono'}, m.service),
          h('td', {class: 'num', title: m.features.join('\n')}, num(m.features.length)),
          h('td', {}, m.owner || h('span', {class: 'muted'}, '—')),
          h('td', {}, m.experiment ? h('a', {href: `#models/${encodeURIComponent(m.experiment)}`}, m.experiment) : h('span', {class: 'muted'}, '—')),
          h('td', {class: 'small'}, m.description || '')))));
}

/** The Models view. */
export function mountModels(root) {
  return polling(async () => {
    const [models, experiments] = await Promise.all([fetchOptional('/v1/models'), fetchOptional('/v1/experiments')]);
    if (models.unavailable) {
      fill(root, notice('unavailable', 'No models on this node',
          'GET /v1/models answered 404: no model registry here. Register models in the models/ folder of the definitions '
          + '(tessera train writes them) and restart the node.'));
      return false; // nothing will appear without a restart
    }
    const xs = experiments.data ? experiments.data.experiments : [];
    fill(root,
        h('h2', {}, 'Experiments'),
        experiments.error ? errorNotice(experiments.error, 'Loading experiments')
            : xs.length ? xs.map(experimentCard) : h('p', {class: 'muted'}, 'No experiment is running: each model answers with its newest version.'),
        h('h2', {}, 'Models'),
        models.error ? errorNotice(models.error, 'Loading models') : h('div', {class: 'table-scroll'}, modelsTable(models.data.models)));
    return true;
  }, 5000);
}
