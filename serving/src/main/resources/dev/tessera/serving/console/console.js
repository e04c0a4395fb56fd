// The console's shell: hash routing between the six views (#catalog, #lineage, #sources,
// #quality, #models, #lookup; anything after a '/' goes to the view), the node's health in the top bar and
// the firing-alerts banner. Views are built the first time they are opened, from one read of
// GET /v1/catalog; the Sources and Quality views poll only while shown.

import {h, fill, errorNotice} from './dom.js';
import {getJson, token, forgetToken} from './api.js';
import {mountCatalog} from './catalog.js';
import {mountLineage} from './lineage.js';
import {mountSources} from './sources.js';
import {mountQuality, watchAlerts} from './quality.js';
import {mountLookup} from './lookup.js';
import {mountModels} from './models.js';

const VIEWS = ['catalog', 'lineage', 'sources', 'quality', 'models', 'lookup'];

let catalogRead = null;
function catalog() {
  if (!catalogRead) {
    catalogRead = getJson('/v1/catalog').then((cat) => {
      document.getElementById('defs-version').textContent = `definitions ${cat.version.slice(0, 8)}`;
      return cat;
    }, (e) => {
      catalogRead = null; // a later visit tries again
      throw e;
    });
  }
  return catalogRead;
}

async function build(view, el) {
  if (view === 'quality') return mountQuality(el);
  if (view === 'models') return mountModels(el);
  const cat = await catalog();
  switch (view) {
    case 'catalog': return mountCatalog(el, cat);
    case 'lineage': return mountLineage(el, cat);
    case 'sources': return mountSources(el, cat);
    default: return mountLookup(el, cat);
  }
}

const built = new Map(); // view -> Promise of its controller ({show, hide} or nothing)
let current = null;

async function route() {
  const [name, ...args] = location.hash.slice(1).split('/');
  const view = VIEWS.includes(name) ? name : 'catalog';
  for (const a of document.querySelectorAll('nav.side a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  for (const v of VIEWS) document.getElementById('view-' + v).hidden = v !== view;
  const previous = current;
  current = view;
  if (previous && previous !== view && built.has(previous)) {
    built.get(previous).then((ctl) => ctl && ctl.hide && ctl.hide());
  }
  document.title = `${view[0].toUpperCase()}${view.slice(1)} · Tessera`;
  if (!built.has(view)) {
    const body = document.querySelector(`#view-${view} .body`);
    fill(body, h('p', {class: 'muted'}, 'Loading…'));
    const el = document.createElement('div');
    built.set(view, build(view, el).then((ctl) => {
      fill(body, el);
      return ctl || {};
    }, (e) => {
      built.delete(view); // the next visit tries again
      fill(body, errorNotice(e, 'Loading this view'));
      return null;
    }));
  }
  const ctl = await built.get(view);
  if (ctl && ctl.show && current === view) ctl.show(args);
}

// ---------------------------------------------------------------- top bar: node health, token

async function watchHealth() {
  const el = document.getElementById('node-health');
  let res = null;
  try {
    const r = await fetch('/health', {cache: 'no-store'});
    res = {status: r.status, body: await r.json()};
  } catch (e) {
    res = null;
  }
  if (!res) {
    fill(el, h('span', {class: 'dot bad'}), 'node unreachable');
  } else {
    const ok = res.body.status === 'ok';
    const what = res.body.runtime ? `runtime ${res.body.runtime}` : res.body.store ? `stateless · ${res.body.store}` : res.body.status;
    fill(el, h('span', {class: ['dot', ok ? 'ok' : 'bad']}), what);
    el.title = ok ? 'GET /health answers 200' : 'GET /health answers ' + res.status;
  }
  setTimeout(watchHealth, 10000);
}

function showToken() {
  const el = document.getElementById('token-state');
  if (!token()) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  fill(el, h('button', {type: 'button', class: 'link', title: 'forget the bearer token this tab keeps', onclick: () => {
    forgetToken();
    location.reload();
  }}, 'forget token'));
}

window.addEventListener('hashchange', route);
window.addEventListener('tessera:token', showToken);
route();
catalog().catch(() => {}); // the definitions' version in the top bar on every tab (a view reports failures)
watchHealth();
watchAlerts(document.getElementById('alert-banner'));
showToken();
