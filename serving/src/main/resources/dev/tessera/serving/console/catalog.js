// The catalog: every definition with its owner, description, tags and the file:line it was declared
// at, filtered as you type. Space-separated words must all match (name, owner, tag, field, filter,
// description...); a group whose own text does not match shows only the feature rows that do.

import {h, notice, num} from './dom.js';

function meta(m) {
  return [
    m.owner ? h('span', {class: 'owner', title: 'owner'}, m.owner) : null,
    ...(m.tags || []).map((t) => h('button', {type: 'button', class: 'tag', 'data-tag': t, title: `show everything tagged ${t}`}, t)),
    m.location ? h('span', {class: 'loc', title: 'declared at'}, m.location) : null,
  ];
}

function item(kind, name, m, body, extraText) {
  const el = h('article', {class: 'item', 'data-kind': kind, 'data-name': name},
      h('header', {}, h('span', {class: ['kind', kind]}, kind), h('h3', {class: 'name'}, name), ...meta(m)),
      m.description ? h('p', {class: 'desc'}, m.description) : null,
      body);
  el.searchText = [kind, name, m.owner, ...(m.tags || []), m.description, m.location, extraText].join(' ').toLowerCase();
  return el;
}

/** Label-value pairs side by side, wrapping; a pair whose label ends in '!' takes a line of its own. */
function facts(pairs) {
  return h('div', {class: 'facts'}, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => h('div', {class: ['fact', k.endsWith('!') ? 'wide' : null]},
          h('span', {class: 'k'}, k.replace(/!$/, '')), h('span', {class: 'v'}, v))));
}

const code = (t) => h('code', {}, t);

function aggText(f) {
  let t = f.agg;
  if (f.k !== undefined) t += ` k=${f.k}`;
  if (f.p !== undefined) t += ` p=${f.p}`;
  if (f.of) t += ` of ${f.of}`;
  return t;
}

function featureRow(g, f) {
  const windows = f.windows.length
      ? f.windows.map((w, i) => h('span', {class: 'win', title: `${f.served[i]}: window ${w}, hop ${f.hops[i] || '?'}`}, w))
      : [h('span', {class: 'win', title: `${f.served[0]}: every event so far`}, 'lifetime')];
  const hops = !f.windows.length ? null : new Set(f.hops).size === 1
      ? h('div', {class: 'muted small'}, `hop ${f.hops[0]}`)
      : h('div', {class: 'muted small', title: 'the hop of each window, in order'}, `hops ${f.hops.join(' · ')}`);
  const row = h('tr', {'data-feature': `${g.name}.${f.name}`},
      h('td', {}, h('div', {class: 'mono'}, f.name), f.meta.description ? h('div', {class: 'muted small'}, f.meta.description) : null),
      h('td', {}, h('span', {class: 'mono'}, aggText(f)), f.where ? h('div', {class: 'where'}, 'where ', code(f.where)) : null),
      h('td', {}, windows, hops),
      h('td', {class: 'served'}, f.served.map((n) => h('div', {class: 'mono small'}, n))));
  row.searchText = [f.name, f.agg, f.of, f.where, ...f.windows, ...f.served, f.meta.description, f.meta.location]
      .join(' ').toLowerCase();
  return row;
}

function groupItem(g) {
  const rows = g.features.map((f) => featureRow(g, f));
  const table = h('table', {class: 'features'},
      h('colgroup', {}, h('col', {class: 'c-feature'}), h('col', {class: 'c-agg'}), h('col', {class: 'c-win'}), h('col', {})),
      h('thead', {}, h('tr', {}, h('th', {}, 'Feature'), h('th', {}, 'Aggregation'), h('th', {}, 'Windows'), h('th', {}, 'Served as'))),
      h('tbody', {}, rows));
  const el = item('group', g.name, g.meta, [
    facts([['source', g.source], ['entity', `${g.entity} (${g.keys.join(', ')})`],
      ['features', `${g.features.length} definitions, ${g.features.reduce((n, f) => n + f.served.length, 0)} served`]]),
    table]);
  el.rows = rows;
  return el;
}

function sourceItem(src) {
  const fields = Object.entries(src.fields);
  return item('source', src.name, src.meta, facts([
    ['topic', code(src.topic)], ['format', src.format], ['schema', src.schema], ['event time', code(src.timestamp)],
    ['id', src.id ? code(src.id) : 'none (no dedup)'], ['lateness', src.lateness], ['dedup horizon', src.dedup_horizon],
    ['max clock skew', src.max_clock_skew], ['idle timeout', src.idle_timeout],
    ['fields!', fields.length ? fields.map(([n, t]) => h('span', {class: 'field'}, code(n), ' ', t)) : null],
    ['read by!', src.groups.length ? src.groups.join(', ') : h('span', {class: 'muted'}, 'no feature group (not consumed)')],
  ]), [src.topic, src.format, src.timestamp, src.id, ...fields.flat(), ...src.groups].join(' '));
}

function serviceItem(svc) {
  const byGroup = new Map();
  for (const q of svc.features) {
    const dot = q.indexOf('.');
    const g = q.slice(0, dot);
    (byGroup.get(g) || byGroup.set(g, []).get(g)).push(q.slice(dot + 1));
  }
  return item('service', svc.name, svc.meta, [
    facts([['entity keys', svc.keys.join(', ')], ['features', `${svc.features.length}, in this order`],
      ['selectors!', svc.selectors.map((x) => h('span', {class: 'chip mono'}, x))]]),
    h('div', {class: 'svc-features'}, [...byGroup].map(([g, names]) => h('div', {},
        h('span', {class: 'muted'}, g + ' '), names.map((n) => h('span', {class: 'chip mono', 'data-qualified': `${g}.${n}`}, n))))),
  ], [...svc.selectors, ...svc.features].join(' '));
}

function modelItem(m) {
  const t = m.training || {};
  return item('model', m.label, m.meta, facts([['format', code(m.format)], ['service', code(m.service)],
    ['threshold', m.threshold === null ? null : String(m.threshold)],
    ['validation AUC', t.validation_auc], ['trained on', t.training_set], ['label', t.label], ['rows', /^\d+$/.test(String(t.rows)) ? num(Number(t.rows)) : t.rows]]),
  [m.name, m.format, m.service, ...Object.values(t)].join(' '));
}

function entityItem(e, groups) {
  const keyed = groups.filter((g) => g.entity === e.name).map((g) => g.name);
  return item('entity', e.name, e.meta, facts([['keys', e.keys.map(code)], ['groups', keyed.join(', ') || '—']]),
      [...e.keys, ...keyed].join(' '));
}

/** Renders the catalog of `cat` (GET /v1/catalog) into `root`. */
export function mountCatalog(root, cat) {
  const sections = [
    ['entities', 'Entities', cat.entities.map((e) => entityItem(e, cat.groups))],
    ['sources', 'Sources', cat.sources.map(sourceItem)],
    ['groups', 'Feature groups', cat.groups.map(groupItem)],
    ['services', 'Feature services', cat.services.map(serviceItem)],
    ['models', 'Models', (cat.models || []).map(modelItem)],
  ];
  const input = h('input', {type: 'search', id: 'catalog-filter', placeholder: 'Filter: name, owner, tag, field, description…',
    'aria-label': 'Filter the catalog', autocomplete: 'off', spellcheck: 'false'});
  const count = h('span', {class: 'count muted'});
  const all = sections.flatMap(([, , items]) => items);
  const nothing = h('p', {class: 'muted', hidden: true}, 'Nothing matches the filter.');
  const sectionEls = sections.map(([key, title, items]) => {
    const none = items.length ? null
        : notice('empty', `No ${title.toLowerCase()} registered`, ...(key === 'models'
            ? ['The model registry (SPEC §7) adds them here: name, version, format and the feature service each reads.'] : []));
    const n = h('span', {class: 'n'}, String(items.length));
    const sec = h('section', {class: 'cat-section', 'data-section': key}, h('h2', {}, title, ' ', n), items, none);
    return {sec, items, n};
  });

  const apply = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (text) => words.every((w) => text.includes(w));
    let shown = 0;
    for (const {sec, items, n} of sectionEls) {
      let visible = 0;
      for (const it of items) {
        let ok = matches(it.searchText);
        if (it.rows) { // a group: its own text matching shows every row, else only the rows that match
          let rowsShown = 0;
          for (const r of it.rows) {
            const rowOk = ok || matches(it.searchText + ' ' + r.searchText);
            r.hidden = !rowOk;
            rowsShown += rowOk ? 1 : 0;
          }
          ok = ok || rowsShown > 0;
        }
        it.hidden = !ok;
        visible += ok ? 1 : 0;
      }
      shown += visible;
      n.textContent = words.length ? `${visible} of ${items.length}` : String(items.length);
      sec.hidden = words.length > 0 && visible === 0;
    }
    count.textContent = words.length ? `${shown} of ${all.length} definitions match` : `${all.length} definitions`;
    nothing.hidden = !words.length || shown > 0;
  };
  input.addEventListener('input', apply);
  root.addEventListener('click', (e) => {
    const tag = e.target.closest('.tag');
    if (tag) {
      input.value = tag.dataset.tag;
      apply();
      input.focus();
    }
  });
  root.append(h('div', {class: 'toolbar'}, input, count), nothing, ...sectionEls.map((x) => x.sec));
  apply();
}
