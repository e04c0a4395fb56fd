// Live lookup: the served features of one entity, by group (GET /v1/features/{group}/{key}) or by
// feature service (POST /v1/features, a batch read of one entity), with found, as_of and freshness.
// A lookup is deep-linkable: #lookup/group/account_payments/acct_123.
//
// Each value cell carries the value as the API sent it, JSON-encoded, in data-value: what is shown
// is formatted for reading (lists as chips, top_k as value ×count, null as —), what is compared
// (by tests, or by anyone debugging) is the exact value.

import {h, fill, notice, errorNotice, closestName, millis, dateTime, ago} from './dom.js';
import {getJson, postRead, ApiError} from './api.js';

function valueView(v) {
  if (v === null || v === undefined) return h('span', {class: 'muted', title: 'no value: no events in the window'}, '—');
  if (Array.isArray(v)) {
    if (!v.length) return h('span', {class: 'muted small', title: 'no events in the window'}, 'empty list');
    return v.map((x) => (x !== null && typeof x === 'object' && 'value' in x
        ? h('span', {class: 'chip mono'}, String(x.value), h('span', {class: 'muted'}, ` ×${x.count}`))
        : h('span', {class: 'chip mono'}, String(x))));
  }
  if (typeof v === 'number') return h('span', {class: 'mono num'}, Number.isInteger(v) ? v.toLocaleString('en-US') : String(v));
  return h('span', {class: 'mono'}, String(v));
}

/** {field: value} from "v" (one key field) or "k1=v1,k2=v2". */
function entityOf(text, fields) {
  if (fields.length === 1) {
    const f = fields[0];
    return {[f]: text.startsWith(f + '=') ? text.slice(f.length + 1) : text};
  }
  const entity = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw new ApiError(400, 'bad_key', `'${text}' is not k1=v1,k2=v2`, `this service is keyed by ${fields.join(', ')}`);
    }
    entity[part.slice(0, eq).trim()] = part.slice(eq + 1);
  }
  return entity;
}

function result(kind, name, answer) {
  const {entity, features, found, meta} = answer;
  const rows = Object.entries(features).map(([k, v]) => {
    const dot = kind === 'service' ? k.indexOf('.') : -1;
    return h('tr', {'data-feature': k},
        h('td', {class: 'mono'}, dot > 0 ? [h('span', {class: 'muted'}, k.slice(0, dot + 1)), k.slice(dot + 1)] : k),
        h('td', {class: 'value', 'data-value': JSON.stringify(v)}, valueView(v)));
  });
  return h('div', {class: 'lookup-result', 'data-found': String(found), 'data-as-of': meta.as_of,
    'data-freshness-ms': meta.freshness_ms === null ? '' : meta.freshness_ms},
  h('div', {class: 'summary'},
      h('span', {class: ['pill', found ? 'ok' : 'none'], 'data-status': found ? 'found' : 'not_found'}, found ? 'found' : 'not found'),
      h('span', {class: 'entity mono'}, Object.entries(entity).map(([k, v]) => `${k} = ${v}`).join(', ')),
      h('span', {class: 'muted'}, `${kind} ${name}`),
      h('span', {title: `as_of ${meta.as_of} (epoch ms): the read time the values are exact for`}, 'as of ',
          h('strong', {}, dateTime(meta.as_of)), ` (${ago(meta.as_of)})`),
      h('span', {title: 'now minus the newest applied event of the source(s)'}, 'freshness ',
          h('strong', {}, meta.freshness_ms === null ? 'no event yet' : millis(meta.freshness_ms)))),
  found ? null : h('p', {class: 'muted'}, 'No event of this entity is in any window: these are the values of an entity never seen.'),
  h('table', {class: 'values grid-table'}, h('thead', {}, h('tr', {}, h('th', {}, 'Feature'), h('th', {}, 'Value'))), h('tbody', {}, rows)));
}

/** The Lookup view. show(args) takes the rest of the hash: [kind, name, key]. */
export function mountLookup(root, cat) {
  // A link naming a group or service these definitions do not have says so, with the closest name.
  const unknownLink = (k, name, text) => {
    if (k !== 'group' && k !== 'service') {
      return notice('error', `This link asks for a "${k}"`, 'A lookup link reads #lookup/group/NAME/KEY or #lookup/service/NAME/KEY.');
    }
    const guess = closestName(name, kinds[k].list);
    return notice('error', name ? `No ${k} named "${name}"` : `The link names no ${k}`,
        guess ? ['Did you mean ', h('a', {href: `#lookup/${k}/${encodeURIComponent(guess)}` + (text ? '/' + encodeURIComponent(text) : '')}, guess), '? '] : null,
        `The ${k}s of these definitions are in the list above.`);
  };
  const kinds = {
    group: {list: cat.groups.map((g) => g.name), keys: new Map(cat.groups.map((g) => [g.name, g.keys]))},
    service: {list: cat.services.map((x) => x.name), keys: new Map(cat.services.map((x) => [x.name, x.keys]))},
  };
  const radios = ['group', 'service'].map((k) => h('label', {}, h('input', {type: 'radio', name: 'kind', value: k}), ' ' + k));
  const select = h('select', {id: 'lookup-name', 'aria-label': 'group or service'});
  const key = h('input', {id: 'lookup-key', type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'entity key'});
  const button = h('button', {type: 'submit', id: 'lookup-go'}, 'Look up');
  const help = h('p', {class: 'muted small'});
  const out = h('div', {id: 'lookup-result'});
  const form = h('form', {class: 'lookup-form'}, h('div', {class: 'seg', role: 'radiogroup'}, radios), select, key, button);
  root.append(form, help, out);

  const kind = () => form.querySelector('input[name=kind]:checked').value;
  const setKind = (k) => {
    form.querySelector(`input[value=${k}]`).checked = true;
    fill(select, kinds[k].list.map((n) => h('option', {value: n}, n)));
    updateHelp();
  };
  const updateHelp = () => {
    const fields = kinds[kind()].keys.get(select.value) || [];
    key.placeholder = fields.length === 1 ? fields[0] : fields.map((f) => `${f}=…`).join(',');
    help.textContent = `Keyed by ${fields.join(', ')}.` + (fields.length > 1 ? ' Write the key as k1=v1,k2=v2.' : '');
  };
  form.addEventListener('change', (e) => {
    if (e.target.name === 'kind') setKind(kind());
    else if (e.target === select) updateHelp();
  });

  const run = async () => {
    const k = kind();
    const name = select.value;
    const text = key.value.trim();
    if (!text) {
      key.focus();
      return;
    }
    history.replaceState(null, '', `#lookup/${k}/${encodeURIComponent(name)}/${encodeURIComponent(text)}`);
    button.disabled = true;
    fill(out, h('p', {class: 'muted'}, 'Reading…'));
    try {
      let answer;
      if (k === 'group') {
        const a = await getJson(`/v1/features/${encodeURIComponent(name)}/${encodeURIComponent(text)}`);
        answer = {entity: a.entity, features: a.features, found: a.found, meta: a.metadata};
      } else {
        const a = await postRead('/v1/features', {service: name, entities: [entityOf(text, kinds.service.keys.get(name))]});
        const r = a.results[0];
        answer = {entity: r.entity, features: r.features, found: r.found, meta: a.metadata};
      }
      fill(out, result(k, name, answer));
    } catch (e) {
      fill(out, errorNotice(e, 'The lookup'));
    } finally {
      button.disabled = false;
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  setKind('group');

  return {
    show(args) {
      const [k, name, text] = args.map((a) => decodeURIComponent(a));
      if ((k === 'group' || k === 'service') && kinds[k].list.includes(name)) {
        setKind(k);
        select.value = name;
        updateHelp();
        fill(out);
        key.value = text || ''; // a link to another group or service: the last key may not be one of its keys
        if (text) {
          run();
          return;
        }
      } else if (k) {
        if (k === 'group' || k === 'service') setKind(k); // the list above is then the one the message points at
        fill(out, unknownLink(k, name, text));
      }
      key.focus();
    },
    hide() {},
  };
}
