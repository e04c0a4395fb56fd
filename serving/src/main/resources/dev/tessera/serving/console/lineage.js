// The lineage graph: topic → source → group → feature → service → model, laid out in columns by
// node type, from the lineage GET /v1/catalog computes on the server.
//
// Keeping ~50 served features readable: features are not a column of their own. Each group is a
// card in the group column with one row per feature *definition* (payment_count, amount_sum, ...)
// and one chip per window in it (10m 1h 1d 7d); every chip is a served-feature node with its own
// edges. Why: the group → feature relation is containment, not data flow, so drawing it as nesting
// saves ~50 edges that would fan out of five groups; a definition's windows belong together (people
// ask "which windows of amount_sum does v2 read?"); and 28 rows fit on a screen where 50 nodes plus
// their labels would not. Edges to services start under a chip and leave the card at its row, so
// they are drawn below the cards. Hovering (or focusing) a node lights its whole upstream and
// downstream path and dims the rest; a click pins that, a click on the background releases it.

import {h, s, clear, fill} from './dom.js';

const CHAR = 6.7; // px per character of the 11.5 px monospace labels
const COLUMNS = [
  {type: 'topic', x: 10, w: 160, title: 'Kafka topics'},
  {type: 'source', x: 218, w: 122, title: 'Sources'},
  {type: 'group', x: 392, w: 324, title: 'Feature groups · features'},
  {type: 'service', x: 796, w: 170, title: 'Services'},
  {type: 'model', x: 1024, w: 140, title: 'Models'},
];
const COL = Object.fromEntries(COLUMNS.map((c) => [c.type, c]));
const WIDTH = 1176;
const TOP = 44;
const NODE_H = 30;
const CARD_HEAD = 40;
const ROW = 21;
const CHIP_H = 15;

function fit(text, width) {
  const max = Math.floor(width / CHAR);
  return text.length <= max ? text : text.slice(0, Math.max(1, max - 1)) + '…';
}

/** Moves boxes down until none overlaps the one above it; `want` is each box's preferred top. */
function spread(items, gap) {
  items.sort((a, b) => a.want - b.want);
  let next = TOP;
  for (const it of items) {
    it.y = Math.max(it.want, next);
    next = it.y + it.h + gap;
  }
}

function curve(x1, y1, x2, y2) {
  const dx = Math.max(24, (x2 - x1) / 2);
  return `M${x1.toFixed(1)},${y1.toFixed(1)}C${(x1 + dx).toFixed(1)},${y1.toFixed(1)} ${(x2 - dx).toFixed(1)},${y2.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}`;
}

/** Positions of every node: {id -> {x, y (centre), w, h, ...}} plus the cards' rows. */
function layout(cat) {
  const pos = new Map();
  const nodes = cat.lineage.nodes;
  const byType = (t) => nodes.filter((n) => n.type === t);

  // groups: cards stacked by their source's order, then definition order, so edges from a source do not cross
  const sourceRank = new Map(cat.sources.map((x, i) => [x.name, i]));
  const ordered = [...cat.groups].sort((a, b) => sourceRank.get(a.source) - sourceRank.get(b.source));
  let y = TOP;
  const cards = [];
  for (const g of ordered) {
    const rows = g.features.map((f) => ({feature: f, chips: f.served.map((name, i) => ({
      id: `feature:${g.name}.${name}`, label: f.windows.length ? f.windows[i] : 'lifetime'}))}));
    const hgt = CARD_HEAD + rows.length * ROW + 8;
    const card = {id: `group:${g.name}`, group: g, rows, x: COL.group.x, y, w: COL.group.w, h: hgt};
    cards.push(card);
    pos.set(card.id, {x: card.x, y: y + 20, w: card.w, h: hgt, card});
    rows.forEach((r, i) => {
      const cy = y + CARD_HEAD + i * ROW + ROW / 2;
      let right = card.x + card.w - 10;
      for (const c of [...r.chips].reverse()) {
        const w = 10 + c.label.length * CHAR;
        right -= w;
        pos.set(c.id, {x: right, y: cy, w, h: CHIP_H, chip: c});
        right -= 4;
      }
      r.y = cy;
      r.nameWidth = right - (card.x + 12) - 6;
    });
    y += hgt + 18;
  }
  const bottomOfGroups = y;

  // sources beside the groups they feed (a source no group reads goes last), topics beside their sources
  const groupsOf = (src) => cat.groups.filter((g) => g.source === src).map((g) => pos.get(`group:${g.name}`).y);
  const srcItems = byType('source').map((n) => {
    const ys = groupsOf(n.label);
    return {id: n.id, h: NODE_H, want: ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length - NODE_H / 2 : bottomOfGroups};
  });
  spread(srcItems, 14);
  for (const it of srcItems) pos.set(it.id, {x: COL.source.x, y: it.y + NODE_H / 2, w: COL.source.w, h: NODE_H});
  const topicItems = byType('topic').map((n) => {
    const ys = cat.lineage.edges.filter((e) => e.from === n.id).map((e) => pos.get(e.to).y);
    return {id: n.id, h: NODE_H, want: ys.reduce((a, b) => a + b, 0) / Math.max(1, ys.length) - NODE_H / 2};
  });
  spread(topicItems, 14);
  for (const it of topicItems) pos.set(it.id, {x: COL.topic.x, y: it.y + NODE_H / 2, w: COL.topic.w, h: NODE_H});

  // services level with the middle of what they read
  const svcItems = byType('service').map((n) => {
    const ys = cat.lineage.edges.filter((e) => e.to === n.id).map((e) => pos.get(e.from).y);
    return {id: n.id, h: 42, want: ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length - 21 : TOP};
  });
  spread(svcItems, 18);
  for (const it of svcItems) pos.set(it.id, {x: COL.service.x, y: it.y + 21, w: COL.service.w, h: 42});

  const modelItems = byType('model').map((n) => {
    const ys = cat.lineage.edges.filter((e) => e.to === n.id).map((e) => pos.get(e.from).y);
    return {id: n.id, h: NODE_H, want: ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length - NODE_H / 2 : TOP};
  });
  spread(modelItems, 14);
  for (const it of modelItems) pos.set(it.id, {x: COL.model.x, y: it.y + NODE_H / 2, w: COL.model.w, h: NODE_H});

  let height = bottomOfGroups;
  for (const p of pos.values()) height = Math.max(height, p.y + p.h / 2 + 20);
  return {pos, cards, height};
}

/** Every node reachable from `id` along the edges (`next`: id -> ids), `id` included. */
function reach(id, next) {
  const seen = new Set([id]);
  const todo = [id];
  while (todo.length) {
    for (const n of next.get(todo.pop()) || []) {
      if (!seen.has(n)) {
        seen.add(n);
        todo.push(n);
      }
    }
  }
  return seen;
}

/**
 * Draws the graph into `root` (cleared first). `describe(id)` gives the text shown for a selected node.
 */
export function renderLineage(root, cat, describe) {
  clear(root);
  const {pos, cards, height} = layout(cat);
  const nodes = new Map(cat.lineage.nodes.map((n) => [n.id, n]));
  const down = new Map();
  const up = new Map();
  for (const e of cat.lineage.edges) {
    (down.get(e.from) || down.set(e.from, []).get(e.from)).push(e.to);
    (up.get(e.to) || up.set(e.to, []).get(e.to)).push(e.from);
  }

  const svg = s('svg', {class: 'lineage', width: WIDTH, height, viewBox: `0 0 ${WIDTH} ${height}`, role: 'img',
    'aria-label': 'Lineage graph from Kafka topics to models'});
  for (const c of COLUMNS) {
    svg.append(s('text', {class: 'colhead', x: c.x, y: 20}, c.title));
  }

  // edges first: cards and nodes are drawn over them
  const edgeLayer = s('g', {class: 'edges'});
  const edgeEls = [];
  for (const e of cat.lineage.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    const from = nodes.get(e.from);
    if (from.type === 'group') continue; // group → feature is drawn as the chip inside the card
    const x1 = from.type === 'feature' ? a.x + a.w / 2 : a.x + a.w;
    const el = s('path', {class: `edge from-${from.type}`, d: curve(x1, a.y, b.x, b.y), 'data-from': e.from, 'data-to': e.to});
    edgeEls.push(el);
    edgeLayer.append(el);
  }
  svg.append(edgeLayer);

  const nodeEls = new Map();
  const addNode = (id, el) => {
    el.setAttribute('data-id', id);
    el.setAttribute('data-type', nodes.get(id).type);
    el.setAttribute('tabindex', '0');
    nodeEls.set(id, el);
    return el;
  };
  const plain = (n) => {
    const p = pos.get(n.id);
    const g = s('g', {class: `node ${n.type}`});
    g.append(s('rect', {x: p.x, y: p.y - p.h / 2, width: p.w, height: p.h, rx: 6}),
        s('text', {x: p.x + 10, y: p.y + 4}, fit(n.label, p.w - 20)), s('title', {}, `${n.type} ${n.label}`));
    return addNode(n.id, g);
  };
  for (const n of cat.lineage.nodes) {
    if (n.type === 'topic' || n.type === 'source' || n.type === 'model') svg.append(plain(n));
  }
  for (const n of cat.lineage.nodes.filter((x) => x.type === 'service')) {
    const p = pos.get(n.id);
    const count = (up.get(n.id) || []).length;
    const g = s('g', {class: 'node service'},
        s('rect', {x: p.x, y: p.y - p.h / 2, width: p.w, height: p.h, rx: 6}),
        s('text', {x: p.x + 10, y: p.y - 3}, fit(n.label, p.w - 20)),
        s('text', {class: 'sub', x: p.x + 10, y: p.y + 12}, `${count} feature${count === 1 ? '' : 's'}`),
        s('title', {}, `service ${n.label}`));
    svg.append(addNode(n.id, g));
  }
  if (!cat.lineage.nodes.some((n) => n.type === 'model')) {
    const c = COL.model;
    svg.append(s('g', {class: 'placeholder', 'data-empty': 'model'},
        s('rect', {x: c.x, y: TOP, width: c.w, height: 58, rx: 6}),
        s('text', {x: c.x + c.w / 2, y: TOP + 25, 'text-anchor': 'middle'}, 'no models registered'),
        s('text', {class: 'sub', x: c.x + c.w / 2, y: TOP + 42, 'text-anchor': 'middle'}, 'services feed them')));
  }

  for (const card of cards) {
    const g = s('g', {class: 'card'});
    const head = s('g', {class: 'node group'},
        s('rect', {class: 'cardbox', x: card.x, y: card.y, width: card.w, height: card.h, rx: 8}),
        s('text', {class: 'name', x: card.x + 12, y: card.y + 18}, fit(card.group.name, card.w - 24)),
        s('text', {class: 'sub', x: card.x + 12, y: card.y + 32},
            fit(`${card.group.entity} · ${card.group.keys.join(', ')} · from ${card.group.source}`, card.w - 24)),
        s('title', {}, `group ${card.group.name}`));
    g.append(addNode(card.id, head));
    for (const r of card.rows) {
      g.append(s('text', {class: 'fname', x: card.x + 12, y: r.y + 4}, fit(r.feature.name, r.nameWidth),
          s('title', {}, `${r.feature.name}: ${r.feature.agg}${r.feature.of ? ' of ' + r.feature.of : ''}`
              + (r.feature.where ? ` where ${r.feature.where}` : ''))));
      for (const c of r.chips) {
        const p = pos.get(c.id);
        const chip = s('g', {class: 'node feature', 'data-parent': card.id},
            s('rect', {x: p.x, y: p.y - CHIP_H / 2, width: p.w, height: CHIP_H, rx: 4}),
            s('text', {x: p.x + p.w / 2, y: p.y + 3.5, 'text-anchor': 'middle'}, c.label),
            s('title', {}, nodes.get(c.id).id.slice('feature:'.length)));
        g.append(addNode(c.id, chip));
      }
    }
    svg.append(g);
  }

  const info = h('p', {class: 'lineage-info', 'aria-live': 'polite'}, 'Hover or click a node to follow its path.');
  let pinned = null;
  const show = (id) => {
    if (!id) {
      svg.classList.remove('focus');
      for (const el of [...nodeEls.values(), ...edgeEls]) el.classList.remove('lit');
      info.textContent = 'Hover or click a node to follow its path.';
      return;
    }
    const upstream = reach(id, up);
    const downstream = reach(id, down);
    svg.classList.add('focus');
    for (const [nid, el] of nodeEls) el.classList.toggle('lit', upstream.has(nid) || downstream.has(nid));
    for (const el of edgeEls) {
      const {from, to} = el.dataset;
      el.classList.toggle('lit', (upstream.has(from) && upstream.has(to)) || (downstream.has(from) && downstream.has(to)));
    }
    fill(info, describe(id, upstream, downstream));
  };
  for (const [id, el] of nodeEls) {
    el.addEventListener('mouseenter', () => show(id));
    el.addEventListener('mouseleave', () => show(pinned));
    el.addEventListener('focus', () => show(id));
    el.addEventListener('blur', () => show(pinned));
    el.addEventListener('click', (e) => {
      e.stopPropagation();
      pinned = pinned === id ? null : id;
      svg.querySelectorAll('.pinned').forEach((x) => x.classList.remove('pinned'));
      if (pinned) el.classList.add('pinned');
      show(pinned);
    });
  }
  svg.addEventListener('click', () => {
    pinned = null;
    svg.querySelectorAll('.pinned').forEach((x) => x.classList.remove('pinned'));
    show(null);
  });
  root.append(h('div', {class: 'lineage-scroll'}, svg), info);
  return {select: (id) => { pinned = id; show(id); }};
}

/** The lineage view: legend, graph, and a line describing the selected node's path. */
export function mountLineage(root, cat) {
  const groups = new Map(cat.groups.map((g) => [g.name, g]));
  const label = new Map(cat.lineage.nodes.map((n) => [n.id, n]));
  const featureText = (qualified) => {
    const dot = qualified.indexOf('.');
    const served = qualified.slice(dot + 1);
    const f = groups.get(qualified.slice(0, dot)).features.find((x) => x.served.includes(served));
    const i = f.served.indexOf(served);
    return `${f.agg}${f.of ? ' of ' + f.of : ''}${f.where ? ' where ' + f.where : ''}`
        + (f.windows.length ? ` over ${f.windows[i]} (hop ${f.hops[i]})` : ' over the lifetime');
  };
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const describe = (id, upstream, downstream) => {
    const n = label.get(id);
    const of = (ids, type) => [...ids].filter((x) => x !== id && label.get(x).type === type).map((x) => label.get(x).label);
    const from = ['topic', 'source', 'group'].map((t) => [t, of(upstream, t)]).filter(([, xs]) => xs.length)
        .map(([t, xs]) => `${t} ${xs.join(', ')}`);
    const to = [];
    if (n.type === 'service') {
      to.push(`reads ${plural(of(upstream, 'feature').length, 'feature')}`);
    } else if (n.type !== 'model') {
      const feats = of(downstream, 'feature').length;
      if (feats) to.push(plural(feats, 'feature'));
      const svcs = of(downstream, 'service');
      to.push(svcs.length ? `${svcs.length === 1 ? 'service' : 'services'} ${svcs.join(', ')}` : 'no service reads it');
    }
    const models = of(downstream, 'model');
    if (n.type === 'service') to.push(models.length ? `model ${models.join(', ')}` : 'no model registered');
    const qualified = id.slice(id.indexOf(':') + 1);
    return [h('strong', {}, `${n.type} ${n.type === 'feature' ? qualified : n.label}`),
      n.type === 'feature' ? h('span', {class: 'muted'}, ` = ${featureText(qualified)}`) : null,
      from.length ? ` · from ${from.join(' → ')}` : null,
      to.length ? ` · ${to.join(' · ')}` : null];
  };
  const legend = h('div', {class: 'legend'}, ['topic', 'source', 'group', 'feature', 'service', 'model'].map((t) =>
    h('span', {class: ['key', t]}, t === 'feature' ? 'feature (one chip per window)' : t)));
  root.append(legend);
  const graph = h('div', {});
  root.append(graph);
  renderLineage(graph, cat, describe);
}
