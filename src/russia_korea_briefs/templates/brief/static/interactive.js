/* The HTML brief's own script (no library, no network). Without it the page is complete: every
   chart, value link and event is there. With it: values on hover or focus (arrow keys) for the
   charts, and a chronology filtered by track, category, phase and words, the filter kept in the
   URL (#chronology?dyad=…&category=…&phase=…&q=…) so that a view can be shared. Text from the data
   is only ever set as textContent. */
(function () {
  "use strict";
  var doc = document, NS = "http://www.w3.org/2000/svg";

  function chart(fig) {
    var svg = fig.querySelector("svg"), pts;
    try { pts = JSON.parse(fig.getAttribute("data-points")); } catch (e) { return; }
    if (!svg || !pts || !pts.length) return;
    var tip = doc.createElement("div"), dot = doc.createElementNS(NS, "circle"), cur = -1;
    tip.className = "chart-tip";
    tip.setAttribute("role", "status");
    tip.hidden = true;
    fig.appendChild(tip);
    dot.setAttribute("r", "4");
    dot.setAttribute("class", "chart-dot");
    dot.style.display = "none";
    svg.appendChild(dot);
    svg.setAttribute("tabindex", "0");
    svg.setAttribute("data-hint", "arrow keys: values");
    fig.classList.add("interactive");

    function show(i, all) {  // all: also the values drawn at the same spot (two events on one day)
      var p = pts[i], m = svg.getScreenCTM(), box = fig.getBoundingClientRect(), texts = [p[2]];
      if (all) pts.forEach(function (q, j) { if (j !== i && Math.abs(q[0] - p[0]) + Math.abs(q[1] - p[1]) < 1) texts.push(q[2]); });
      cur = i;
      dot.setAttribute("cx", p[0]);
      dot.setAttribute("cy", p[1]);
      dot.style.display = "";
      tip.textContent = texts.join("\n");
      tip.hidden = false;
      if (!m) return;
      var x = m.a * p[0] + m.c * p[1] + m.e - box.left, y = m.b * p[0] + m.d * p[1] + m.f - box.top;
      var left = Math.max(0, Math.min(x - tip.offsetWidth / 2, fig.clientWidth - tip.offsetWidth));
      var top = y - tip.offsetHeight - 10;
      tip.style.left = left + "px";
      tip.style.top = (top < 0 ? y + 12 : top) + "px";
    }
    function hide() { cur = -1; tip.hidden = true; dot.style.display = "none"; }
    function nearest(x, y, series) {
      var best = -1, bd = Infinity;
      for (var i = 0; i < pts.length; i++) {
        if (series !== undefined && pts[i][3] !== series) continue;
        var dx = pts[i][0] - x, dy = series === undefined ? pts[i][1] - y : 0, d = dx * dx + dy * dy;
        if (d < bd) { bd = d; best = i; }
      }
      return [best, bd];
    }
    svg.addEventListener("mousemove", function (e) {
      var m = svg.getScreenCTM();
      if (!m) return;
      var p = svg.createSVGPoint();
      p.x = e.clientX; p.y = e.clientY;
      p = p.matrixTransform(m.inverse());
      var hit = nearest(p.x, p.y);
      if (hit[0] >= 0 && hit[1] < 400) show(hit[0], true); else hide();
    });
    svg.addEventListener("mouseleave", hide);
    svg.addEventListener("focus", function () { show(cur < 0 ? 0 : cur); });
    svg.addEventListener("blur", hide);
    svg.addEventListener("keydown", function (e) {
      var k = e.key, n = pts.length, i = cur < 0 ? 0 : cur, s = pts[i][3];
      if (k === "ArrowRight") i = (i + 1) % n;
      else if (k === "ArrowLeft") i = (i - 1 + n) % n;
      else if (k === "ArrowUp" || k === "ArrowDown") {
        var all = [];
        pts.forEach(function (p) { if (all.indexOf(p[3]) < 0) all.push(p[3]); });
        var next = all[(all.indexOf(s) + (k === "ArrowDown" ? 1 : all.length - 1)) % all.length];
        i = nearest(pts[i][0], 0, next)[0];
      } else if (k === "Home") i = 0;
      else if (k === "End") i = n - 1;
      else if (k === "Escape") { hide(); return; }
      else return;
      e.preventDefault();
      show(i);
    });
  }

  var KEYS = ["dyad", "category", "phase", "q"], PREFIX = "#chronology?";

  function readState() {
    var state = {}, h = location.hash;
    if (h.indexOf(PREFIX) === 0) new URLSearchParams(h.slice(PREFIX.length)).forEach(function (v, k) { state[k] = v; });
    return state;
  }
  function writeState(state) {
    var q = new URLSearchParams();
    KEYS.forEach(function (k) { if (state[k]) q.set(k, state[k]); });
    var h = q.toString() ? PREFIX + q.toString() : "";
    if (h === location.hash) return;
    try { history.replaceState(null, "", location.pathname + location.search + h); }
    catch (e) { location.replace(h || "#"); }
  }

  function chronology(box) {
    var controls = box.querySelector(".chrono-controls"), rows = box.querySelectorAll("tbody tr");
    var count = box.querySelector(".chrono-count"), fields = {};
    if (!controls) return null;
    [].forEach.call(controls.querySelectorAll("[data-key]"), function (el) { fields[el.getAttribute("data-key")] = el; });
    function apply(given) {
      var state = {}, shown = 0;
      KEYS.forEach(function (k) {  // only what this page offers: a phase brief has no phase menu
        var el = fields[k];
        if (!el) return;
        el.value = given[k] || "";
        if (el.value) state[k] = el.value;
        else el.value = "";
      });
      var q = (state.q || "").toLowerCase();
      [].forEach.call(rows, function (r) {
        var ok = (!state.dyad || r.getAttribute("data-dyad") === state.dyad) &&
          (!state.category || r.getAttribute("data-category") === state.category) &&
          (!state.phase || r.getAttribute("data-phase") === state.phase) &&
          (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
        r.hidden = !ok;
        if (ok) shown++;
      });
      count.textContent = shown === rows.length ? rows.length + " events" : shown + " of " + rows.length + " events";
    }
    function changed() {
      var state = {};
      KEYS.forEach(function (k) { if (fields[k] && fields[k].value) state[k] = fields[k].value; });
      writeState(state);
      apply(state);
    }
    Object.keys(fields).forEach(function (k) { fields[k].addEventListener(k === "q" ? "input" : "change", changed); });
    var reset = controls.querySelector("[data-reset]");
    if (reset) reset.addEventListener("click", function () { writeState({}); apply({}); });
    controls.hidden = false;
    box.classList.add("interactive");
    return apply;
  }

  function start() {
    [].forEach.call(doc.querySelectorAll("figure[data-points]"), chart);
    var appliers = [].map.call(doc.querySelectorAll("[data-chronology]"), chronology).filter(Boolean);
    if (!appliers.length) return;
    function fromUrl(scroll) {
      var state = readState();
      appliers.forEach(function (apply) { apply(state); });
      if (scroll && Object.keys(state).length) doc.querySelector("[data-chronology]").scrollIntoView();
    }
    fromUrl(true);
    window.addEventListener("hashchange", function () { if (location.hash.indexOf(PREFIX) === 0) fromUrl(false); });
  }

  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start); else start();
})();
