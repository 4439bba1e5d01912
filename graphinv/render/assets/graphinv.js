/* graphinv page script: network view, search, kind filter, neighbourhood
 * highlight, side panel, sortable/filterable cluster table.
 *
 * Safety rule: data only ever reaches the page through textContent, DOM
 * properties and vis-network string titles (rendered as text by vis 9.1.2).
 * Never innerHTML, never insertAdjacentHTML, never document.write.
 */
(function () {
  "use strict";

  var gi = (window.graphinv = {
    ready: false, drawnMs: null, network: null, nodes: null, edges: null, errors: []
  });
  var DIM_NODE = { background: "rgba(205,210,215,0.35)", border: "rgba(160,165,170,0.35)" };
  var DIM_EDGE = { color: "rgba(190,195,200,0.2)" };
  var DIM_FONT = { color: "rgba(60,60,60,0.25)" };
  var FONT = { color: "#343434" };

  function byId(id) { return document.getElementById(id); }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  function setText(id, text) {
    var e = byId(id);
    if (e) { e.textContent = text; }
  }

  var data = JSON.parse(byId("graphinv-data").textContent);
  gi.data = data;

  /* ---------- network ---------- */

  var origNodeColor = {};
  var origEdgeColor = {};
  var highlighted = null;

  function highlight(id) {
    // set first: the updates below redraw at once, and the label layer reads it
    highlighted = id;
    var keepNodes = new Set(gi.network.getConnectedNodes(id));
    keepNodes.add(id);
    var keepEdges = new Set(gi.network.getConnectedEdges(id));
    var nodeUpd = [];
    gi.nodes.forEach(function (n) {
      var keep = keepNodes.has(n.id);
      nodeUpd.push({ id: n.id, color: keep ? origNodeColor[n.id] : DIM_NODE,
                     font: keep ? FONT : DIM_FONT });
    });
    var edgeUpd = [];
    gi.edges.forEach(function (e) {
      edgeUpd.push({ id: e.id, color: keepEdges.has(e.id) ? origEdgeColor[e.id] : DIM_EDGE });
    });
    gi.nodes.update(nodeUpd);
    gi.edges.update(edgeUpd);
  }

  function unhighlight() {
    if (highlighted === null) { return; }
    highlighted = null;
    var nodeUpd = [];
    gi.nodes.forEach(function (n) {
      nodeUpd.push({ id: n.id, color: origNodeColor[n.id], font: FONT });
    });
    var edgeUpd = [];
    gi.edges.forEach(function (e) { edgeUpd.push({ id: e.id, color: origEdgeColor[e.id] }); });
    gi.nodes.update(nodeUpd);
    gi.edges.update(edgeUpd);
  }

  function showNode(id) {
    var n = gi.nodes.get(id);
    if (n) { setText("details", n.title || n.label || ""); }
  }

  function showEdge(id) {
    var e = gi.edges.get(id);
    if (e) { setText("details", e.title || e.label || ""); }
  }

  function focusNode(id) {
    gi.network.selectNodes([id]);
    gi.network.focus(id, { scale: 1.1, animation: false });
    highlight(id);
    showNode(id);
  }

  function search(query) {
    var q = String(query || "").trim().toLowerCase();
    var list = byId("search-results");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!q) { setText("search-status", ""); return []; }
    var labelHits = [];
    var otherHits = [];
    gi.nodes.forEach(function (n) {
      if (n.hidden) { return; }
      var label = String(n.label || "").toLowerCase();
      if (label.indexOf(q) >= 0) { labelHits.push(n); }
      else if (String(n.title || "").toLowerCase().indexOf(q) >= 0) { otherHits.push(n); }
    });
    var hits = labelHits.concat(otherHits);
    hits.slice(0, 50).forEach(function (n) {
      var li = el("li");
      var b = el("button", n.label + " (" + (n.group || "") + ")");
      b.type = "button";
      b.addEventListener("click", function () { focusNode(n.id); });
      li.appendChild(b);
      list.appendChild(li);
    });
    setText("search-status", hits.length === 0 ? "no match" :
      hits.length + (hits.length === 1 ? " match" : " matches") +
      (hits.length > 50 ? " (first 50 listed)" : ""));
    if (hits.length) { focusNode(hits[0].id); }
    return hits.map(function (n) { return n.id; });
  }

  function buildLegend(g) {
    var legend = byId("legend");
    if (!legend || !g.legend) { return; }
    g.legend.forEach(function (item) {
      var label = el("label");
      var box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.setAttribute("data-kind", item.kind);
      box.addEventListener("change", function () { filterKind(item.kind, box.checked); });
      var sw = el("span", null, "swatch");
      sw.style.backgroundColor = item.color;
      label.appendChild(box);
      label.appendChild(sw);
      label.appendChild(el("span", item.kind + " (" + item.shape + ") " + item.count));
      legend.appendChild(label);
    });
    (g.markers || []).forEach(function (m) { legend.appendChild(el("span", m, "marker")); });
  }

  function filterKind(kind, show) {
    var upd = [];
    gi.nodes.forEach(function (n) {
      if (n.group === kind) { upd.push({ id: n.id, hidden: !show }); }
    });
    gi.nodes.update(upd);
  }

  /* ---------- label layer (issue #22 item 2) ----------
   * On cluster pages the script draws the node labels itself, after vis-network has drawn
   * the graph, at a fixed size on screen whatever the zoom: identifier labels first (they
   * are always drawn), then the others by rank, each at the first spot around its node
   * that overlaps no label already drawn; a label with no free spot is left out (hover the
   * node, click it or zoom in to see it). */
  var LABEL_FONT = "11px system-ui, sans-serif";
  var IDENT_FONT = "600 11px system-ui, sans-serif";
  var LABEL_H = 14;
  var labelWidths = {};
  // [side (0 centred, 1 right of the node, -1 left; times its radius), rows down (negative:
  // up; the label's top edge), radius factor for the vertical offset]
  var CANDS = (function () {
    var out = [[0, 0, 1], [0, -1, 1], [1, -0.5, 0], [-1, -0.5, 0],
               [0.7, 0, 0.7], [-0.7, 0, 0.7], [0.7, -1, 0.7], [-0.7, -1, 0.7]];
    for (var k = 1; k <= 6; k++) {
      [0, 1, -1, 2, -2].forEach(function (side) {
        out.push([side, k - 0.5, 1]);
        out.push([side, -0.5 - k, 1]);
      });
    }
    return out;
  })();
  var hovered = null;
  gi.labelBoxes = [];

  function textWidth(ctx, font, text) {
    var k = font + "\u0000" + text;
    var w = labelWidths[k];
    if (w === undefined) {
      if (ctx.font !== font) { ctx.font = font; }
      w = labelWidths[k] = ctx.measureText(text).width;
    }
    return w;
  }

  function drawLabels(ctx) {
    var net = gi.network;
    var canvas = ctx.canvas;
    var ratio = canvas.width / (canvas.clientWidth || canvas.width);
    var W = canvas.clientWidth || canvas.width, H = canvas.clientHeight || canvas.height;
    var scale = net.getScale();
    var t0 = performance.now();
    var order = gi.nodes.get({ filter: function (n) { return !n.hidden && !!n.label; } });
    var pos = net.getPositions(order.map(function (n) { return n.id; }));
    // The hovered or clicked node first, then the clicked node's neighbours (clicking an
    // identifier names its shops; the rest of the graph is dimmed), then identifiers,
    // then the rest by rank.
    var near = new Set(highlighted === null ? [] : net.getConnectedNodes(highlighted));
    function tier(n) {
      return (n.id === hovered || n.id === highlighted) ? 0 : near.has(n.id) ? 1 :
        n.li === 1 ? 2 : 3;
    }
    order.sort(function (a, b) { return tier(a) - tier(b) || (a.lr || 0) - (b.lr || 0); });
    var CELL = 64;
    var grid = new Map();
    function cells(b, fn) {
      for (var cx = Math.floor(b[0] / CELL); cx <= Math.floor(b[2] / CELL); cx++) {
        for (var cy = Math.floor(b[1] / CELL); cy <= Math.floor(b[3] / CELL); cy++) {
          fn((cx + 4096) * 8192 + cy + 4096);
        }
      }
    }
    // Area of ``b`` covered by labels already placed (a box in several cells counts once
    // per cell); stops counting once it reaches ``limit``.
    function overlap(b, limit) {
      checks++;
      var area = 0;
      var stop = limit === undefined ? Infinity : limit;
      for (var cx = Math.floor(b[0] / CELL); cx <= Math.floor(b[2] / CELL); cx++) {
        for (var cy = Math.floor(b[1] / CELL); cy <= Math.floor(b[3] / CELL); cy++) {
          var list = grid.get((cx + 4096) * 8192 + cy + 4096);
          if (!list) { continue; }
          for (var k = 0; k < list.length; k++) {
            var o = list[k];
            var w = Math.min(b[2], o[2]) - Math.max(b[0], o[0]);
            var h = Math.min(b[3], o[3]) - Math.max(b[1], o[1]);
            if (w > 0 && h > 0) {
              area += w * h;
              if (area >= stop) { return area; }
            }
          }
        }
      }
      return area;
    }
    function add(b) {
      cells(b, function (key) {
        var list = grid.get(key);
        if (list) { list.push(b); } else { grid.set(key, [b]); }
      });
    }
    function remove(b) {
      cells(b, function (key) {
        var list = grid.get(key) || [];
        var i = list.indexOf(b);
        if (i >= 0) { list.splice(i, 1); }
      });
    }
    var owner = new Map();
    function blockers(b) {
      var found = [];
      cells(b, function (key) {
        (grid.get(key) || []).forEach(function (o) {
          if (Math.min(b[2], o[2]) > Math.max(b[0], o[0]) &&
              Math.min(b[3], o[3]) > Math.max(b[1], o[1])) {
            var t = owner.get(o);
            if (t && found.indexOf(t) < 0) { found.push(t); }
          }
        });
      });
      return found;
    }
    function relocate(block, spot) {
      if (!block.length || block.length > 2 ||
          block.some(function (o) { return o[0].li !== 1; })) { return false; }
      block.forEach(function (o) { remove(o[1]); });
      add(spot);
      var moved = [];
      block.forEach(function (o) {
        for (var q = 0; q < o[6].length; q++) {
          if (overlap(o[6][q]) === 0) { moved.push(o[6][q]); add(o[6][q]); return; }
        }
      });
      remove(spot);
      if (moved.length === block.length) {
        block.forEach(function (o, i) { owner.delete(o[1]); o[1] = moved[i]; owner.set(moved[i], o); });
        return true;
      }
      moved.forEach(remove);
      block.forEach(function (o) { add(o[1]); });
      return false;
    }
    // Candidate spots, nearest first: under, over, right and left of the node, then
    // farther up and down (a thin leader line then ties the label to its node); all kept
    // on the canvas.
    function candidates(d, w, r, count) {
      return CANDS.slice(0, count).map(function (c) {
        // side ±2: the label's near end half a label away, beyond the node
        var x = c[0] === 0 ? d.x - w / 2 : c[0] === 2 ? d.x + r + w / 2 :
          c[0] === -2 ? d.x - r - 1.5 * w : c[0] > 0 ? d.x + r * c[0] : d.x + r * c[0] - w;
        var y = d.y + (c[1] >= 0 ? r * c[2] + c[1] * LABEL_H : -r * c[2] + c[1] * LABEL_H);
        x = Math.max(1, Math.min(W - w - 1, x));
        y = Math.max(1, Math.min(H - LABEL_H - 1, y));
        return [x, y, x + w, y + LABEL_H];
      });
    }
    var placed = [];
    var checks = 0, BUDGET = 12000;
    order.forEach(function (n) {
      var p = pos[n.id];
      if (!p) { return; }
      var d = net.canvasToDOM(p);
      if (d.x < -50 || d.y < -50 || d.x > W + 50 || d.y > H + 50) { return; }
      var ident = n.li === 1;
      var font = ident ? IDENT_FONT : LABEL_FONT;
      var text = String(n.label);
      var w = textWidth(ctx, font, text) + 4;
      var r = Math.max(3, (n.size || 10) * scale) + 2;
      // other labels only near their node: cheaper, and a far one would mislead
      // Identifiers search all spots (and move others' labels) while the drawing's budget
      // of overlap checks lasts: in a graph far too dense to label, that would cost seconds.
      var spots = candidates(d, w, r, ident && checks < BUDGET ? CANDS.length : ident ? 4 : 14);
      var best = null, bestArea = Infinity;
      for (var i = 0; i < spots.length && bestArea > 0; i++) {
        var a = overlap(spots[i], bestArea);
        if (a < bestArea) { best = spots[i]; bestArea = a; }
      }
      var t = [n, best, font, text, d, r, spots];
      // An identifier with no free spot: move one identifier label in the way to a free
      // spot of its own, if that frees one of ours.
      if (ident && bestArea > 0) {
        // An identifier with no free spot: move the (at most two) identifier labels in the
        // way of one of its spots to free spots of their own, if there are such.
        for (var j = 0; j < spots.length && bestArea > 0 && checks < BUDGET; j++) {
          if (relocate(blockers(spots[j]), spots[j])) { best = spots[j]; bestArea = 0; }
        }
        t[1] = best;
      }
      var always = ident || n.id === hovered || n.id === highlighted;
      if (best && (bestArea === 0 || always)) {
        add(best);
        owner.set(best, t);
        placed.push(t);
      }
    });
    gi.labelPlaceMs = performance.now() - t0;
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.textBaseline = "middle";
    ctx.textAlign = "left";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "rgba(90,90,90,0.6)";
    ctx.lineWidth = 1;
    placed.forEach(function (t) {
      var b = t[1], p = t[4];
      var nx = Math.max(b[0], Math.min(b[2], p.x)), ny = Math.max(b[1], Math.min(b[3], p.y));
      if (Math.abs(nx - p.x) + Math.abs(ny - p.y) > t[5] + 6) {
        var faded = t[0].font && t[0].font.color && t[0].font.color !== FONT.color;
        ctx.strokeStyle = faded ? "rgba(160,160,160,0.25)" : "rgba(90,90,90,0.6)";
        ctx.beginPath();
        ctx.moveTo(p.x, p.y);
        ctx.lineTo(nx, ny);
        ctx.stroke();
      }
    });
    placed.forEach(function (t) {
      var n = t[0], b = t[1];
      ctx.font = t[2];
      var dim = n.font && n.font.color && n.font.color !== FONT.color;
      ctx.lineWidth = 3;
      ctx.strokeStyle = dim ? "rgba(255,255,255,0.3)" : "rgba(255,255,255,0.85)";
      ctx.strokeText(t[3], b[0] + 2, b[1] + LABEL_H / 2);
      ctx.fillStyle = dim ? n.font.color : (n.li === 1 ? "#111111" : "#343434");
      ctx.fillText(t[3], b[0] + 2, b[1] + LABEL_H / 2);
    });
    ctx.restore();
    gi.labelBoxes = placed.map(function (t) { return { id: t[0].id, box: t[1] }; });
    gi.labelMs = performance.now() - t0;
  }

  function initGraph(g) {
    var groups = (g.options && g.options.groups) || {};
    g.nodes.forEach(function (n) {
      if (!n.color) {
        var gr = groups[n.group];
        n.color = gr && gr.color ? gr.color : "#888888";
      }
      origNodeColor[n.id] = n.color;
    });
    var defEdge = (g.options && g.options.edges && g.options.edges.color) || {};
    g.edges.forEach(function (e) {
      origEdgeColor[e.id] = e.color || { color: defEdge.color || "#9aa3ad" };
    });
    gi.nodes = new vis.DataSet(g.nodes);
    gi.edges = new vis.DataSet(g.edges);
    gi.network = new vis.Network(byId("network"), { nodes: gi.nodes, edges: gi.edges },
                                 g.options);
    if (g.labelLayer) {
      gi.network.on("afterDrawing", drawLabels);
      gi.network.on("hoverNode", function (p) { hovered = p.node; gi.network.redraw(); });
      gi.network.on("blurNode", function () { hovered = null; gi.network.redraw(); });
    }
    gi.network.once("afterDrawing", function () {
      gi.drawnMs = performance.now();
      gi.ready = true;
      document.body.setAttribute("data-ready", "1");
    });
    // The overview opens a cluster on the first click (issue #22 item 9); double-click too.
    function openCluster(id) {
      var n = gi.nodes.get(id);
      if (n && typeof n.href === "string" && /^cluster-[A-Za-z0-9._-]+\.html$/.test(n.href)) {
        window.location.href = n.href;
        return true;
      }
      return false;
    }
    gi.network.on("click", function (p) {
      if (p.nodes.length && data.page === "index" && openCluster(p.nodes[0])) { return; }
      if (p.nodes.length) { highlight(p.nodes[0]); showNode(p.nodes[0]); }
      else if (p.edges.length) { unhighlight(); showEdge(p.edges[0]); }
      else { unhighlight(); }
    });
    gi.network.on("doubleClick", function (p) {
      if (p.nodes.length) { openCluster(p.nodes[0]); }
    });
    buildLegend(g);
    var input = byId("search");
    byId("search-btn").addEventListener("click", function () { search(input.value); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); search(input.value); }
    });
    byId("fit-btn").addEventListener("click", function () { gi.network.fit(); });
    var physics = false;
    var pbtn = byId("physics-btn");
    pbtn.addEventListener("click", function () {
      physics = !physics;
      gi.network.setOptions({ physics: { enabled: physics } });
      pbtn.textContent = physics ? "Physics: on" : "Physics: off";
      pbtn.setAttribute("aria-pressed", physics ? "true" : "false");
    });
    gi.search = search;
    gi.focusNode = focusNode;
    gi.highlight = highlight;
    gi.unhighlight = unhighlight;
    gi.filterKind = filterKind;
  }

  /* ---------- index table ---------- */

  function initTable() {
    var table = byId("clusters");
    if (!table) { return; }
    var tbody = table.tBodies[0];
    var heads = table.tHead.rows[0].cells;
    var filter = byId("table-filter");

    function count() {
      var shown = 0;
      Array.prototype.forEach.call(tbody.rows, function (r) { if (!r.hidden) { shown += 1; } });
      setText("table-count", shown + " of " + tbody.rows.length + " clusters");
    }

    function sortBy(col, numeric, desc) {
      var rows = Array.prototype.slice.call(tbody.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v") || "";
        var y = b.cells[col].getAttribute("data-v") || "";
        var c;
        if (numeric) {
          var fx = parseFloat(x), fy = parseFloat(y);
          fx = isNaN(fx) ? -Infinity : fx;
          fy = isNaN(fy) ? -Infinity : fy;
          c = fx - fy;
        } else {
          c = x.localeCompare(y);
        }
        return desc ? -c : c;
      });
      rows.forEach(function (r) { tbody.appendChild(r); });
      Array.prototype.forEach.call(heads, function (h, i) {
        if (i === col) { h.setAttribute("aria-sort", desc ? "descending" : "ascending"); }
        else { h.removeAttribute("aria-sort"); }
      });
    }

    Array.prototype.forEach.call(heads, function (h, i) {
      var kind = h.getAttribute("data-sort");
      if (!kind) { return; }
      h.tabIndex = 0;
      function go() {
        var desc = h.getAttribute("aria-sort") !== "descending";
        sortBy(i, kind === "num", desc);
      }
      h.addEventListener("click", go);
      h.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { go(); } });
    });
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      Array.prototype.forEach.call(tbody.rows, function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
      });
      count();
    });
    count();
    gi.sortTable = sortBy;
  }

  // Search across clusters from the index (issue #22 item 4): a compact list of
  // [text, page, label, kind] per entity ships in the page; matching ignores spaces and
  // punctuation too, so "+86 138 0013 8000" finds "+8613800138000".
  function squash(t) { return String(t).toLowerCase().replace(/[\s\-().\/:+_]/g, ""); }
  function findAll(query) {
    var s = data.search || { pages: [], items: [] };
    var q = String(query || "").trim().toLowerCase();
    var qs = squash(q);
    var list = byId("find-results");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!q) { setText("find-status", ""); return []; }
    var hits = [];
    s.items.forEach(function (it) {
      var hay = it[0];
      if (hay.indexOf(q) >= 0 || (qs.length >= 3 && squash(hay).indexOf(qs) >= 0)) {
        hits.push(it);
      }
    });
    var clusters = {};
    hits.forEach(function (it) { clusters[it[1]] = true; });
    hits.slice(0, 100).forEach(function (it) {
      var page = s.pages[it[1]];
      var li = el("li");
      var a = el("a", page[0]);
      a.href = page[1] + "#q=" + encodeURIComponent(it[2]);
      li.appendChild(a);
      li.appendChild(el("span", " " + it[2] + " (" + it[3] + ")"));
      list.appendChild(li);
    });
    setText("find-status", hits.length + " match" + (hits.length === 1 ? "" : "es") + " in " +
            Object.keys(clusters).length + " cluster" +
            (Object.keys(clusters).length === 1 ? "" : "s") +
            (hits.length > 100 ? " (first 100 shown)" : ""));
    return hits.map(function (it) { return [s.pages[it[1]][0], it[2]]; });
  }
  gi.findAll = findAll;

  try {
    // Pages of a view load vis-network from its assets/ folder: say so when it is missing.
    var missing = byId("assets-missing");
    if (typeof vis === "undefined") {
      throw new Error("vis-network did not load: keep the assets folder beside the page");
    }
    if (missing) { missing.remove(); }
    if (data.graph) { initGraph(data.graph); }
    if (data.page === "index") {
      initTable();
      var find = byId("find");
      if (find) { find.addEventListener("input", function () { findAll(find.value); }); }
    }
    if (data.page === "cluster" && /^#q=/.test(window.location.hash)) {
      var q0 = decodeURIComponent(window.location.hash.slice(3));
      var box = byId("search");
      if (box) { box.value = q0; }
      var found = search(q0);
      if (found.length) { focusNode(found[0]); }
    }
  } catch (err) {
    gi.errors.push(String(err));
    setText("details", "The view could not start: " + err);
    throw err;
  }
})();
