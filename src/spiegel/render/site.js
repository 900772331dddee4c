/* site.js — the HTML edition's own script (local, no other host): the menus on a narrow screen,
   the current section in "Op deze pagina", and full-text search over search-index.js (written at
   render time; loaded from this folder, so search also works when the book is opened from disk). */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 60.001rem)");

  /* ---- menus: open beside the text on a wide screen, folded (details) on a narrow one */
  var menus = Array.prototype.slice.call(document.querySelectorAll("details.sp-fold"));
  function layout() {
    menus.forEach(function (d) { d.open = wide.matches; });
  }
  layout();
  if (wide.addEventListener) wide.addEventListener("change", layout);
  menus.forEach(function (d) {
    d.addEventListener("click", function (ev) {
      var link = ev.target.closest ? ev.target.closest("a") : null;
      if (link && !wide.matches) d.open = false; /* a chosen section closes the folded list */
    });
  });

  /* ---- a table or chart wider than the screen scrolls in its box: reachable by keyboard */
  function scrollables() {
    Array.prototype.forEach.call(document.querySelectorAll(".sp-table-wrap, .sp-chart, .sp-extra-page table"), function (box) {
      var wider = box.scrollWidth > box.clientWidth + 1;
      if (wider && !box.hasAttribute("tabindex")) {
        var fig = box.closest("figure"), label = fig && fig.querySelector(".sp-float-label");
        box.setAttribute("tabindex", "0");
        if (box.tagName !== "TABLE") {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", (label ? label.textContent + ", " : "") + "schuift horizontaal");
        }
      } else if (!wider && box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        if (box.tagName !== "TABLE") { box.removeAttribute("role"); box.removeAttribute("aria-label"); }
      }
    });
  }
  scrollables();
  window.addEventListener("resize", scrollables);

  /* ---- the current section, highlighted in "Op deze pagina" */
  var toc = document.querySelector(".sp-pagetoc");
  if (toc) {
    var links = {};
    Array.prototype.forEach.call(toc.querySelectorAll("a[href^='#']"), function (a) {
      links[decodeURIComponent(a.getAttribute("href").slice(1))] = a;
    });
    var heads = Array.prototype.filter.call(
      document.querySelectorAll(".sp-main h1[id], .sp-main h2[id], .sp-main h3[id], .sp-main h4[id]"),
      function (h) { return links[h.id]; });
    var current = null;
    var mark = function () {
      var line = window.innerHeight * 0.25, found = heads[0] || null;
      for (var i = 0; i < heads.length; i++) {
        if (heads[i].getBoundingClientRect().top <= line) found = heads[i]; else break;
      }
      var link = found ? links[found.id] : null;
      if (link === current) return;
      if (current) { current.classList.remove("sp-active"); current.removeAttribute("aria-current"); }
      if (link) { link.classList.add("sp-active"); link.setAttribute("aria-current", "location"); }
      current = link;
    };
    var queued = false;
    window.addEventListener("scroll", function () {
      if (queued) return;
      queued = true;
      window.requestAnimationFrame(function () { queued = false; mark(); });
    }, { passive: true });
    window.addEventListener("resize", mark);
    mark();
  }

  /* ---- search */
  var form = document.querySelector(".sp-search");
  if (!form) return;
  var input = form.querySelector("input");
  var panel = document.getElementById("sp-search-results");
  var status = document.getElementById("sp-search-status");
  form.hidden = false;

  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/\u00ad/g, "").toLowerCase();
  }
  var index = null, loading = false, waiting = [];
  function withIndex(fn) {
    if (index) return fn(index);
    waiting.push(fn);
    if (loading) return;
    loading = true;
    var s = document.createElement("script");
    s.src = form.getAttribute("data-index");
    s.onload = function () {
      index = (window.SPIEGEL_SEARCH || []).map(function (e) {
        return { page: e.page, href: e.href, title: e.title, text: e.text,
                 ftitle: fold(e.title), ftext: fold(e.text) };
      });
      waiting.splice(0).forEach(function (f) { f(index); });
    };
    s.onerror = function () { status.textContent = "De zoekindex kon niet worden geladen."; };
    document.head.appendChild(s);
  }
  function count(hay, term) {
    var n = 0, re = new RegExp("(^|[^a-z0-9])" + term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g");
    while (re.exec(hay) !== null && n < 50) n++;
    return n;
  }
  function snippet(entry, terms) {
    var pos = -1;
    for (var i = 0; i < terms.length && pos < 0; i++) pos = entry.ftext.indexOf(terms[i]);
    var start = Math.max(0, pos - 60), end = Math.min(entry.text.length, Math.max(pos, 0) + 140);
    if (start > 0) { var sp = entry.text.indexOf(" ", start); if (sp >= 0 && sp < pos) start = sp + 1; }
    if (end < entry.text.length) { var ep = entry.text.lastIndexOf(" ", end); if (ep > pos) end = ep; }
    return (start > 0 ? "… " : "") + entry.text.slice(start, end).trim() + (end < entry.text.length ? " …" : "");
  }
  function show(query) {
    var terms = fold(query).split(/[^a-z0-9%]+/).filter(function (t) { return t.length >= 2; });
    panel.textContent = "";
    if (!terms.length) { panel.hidden = true; status.textContent = ""; return; }
    withIndex(function (entries) {
      var hits = [];
      entries.forEach(function (e) {
        var score = 0;
        for (var i = 0; i < terms.length; i++) {
          var inText = count(e.ftext, terms[i]), inTitle = count(e.ftitle, terms[i]);
          if (!inText && !inTitle) return;
          score += inText + 5 * inTitle;
        }
        hits.push({ e: e, score: score });
      });
      hits.sort(function (a, b) { return b.score - a.score; });
      panel.textContent = "";
      var list = document.createElement("ol");
      hits.slice(0, 20).forEach(function (h) {
        var li = document.createElement("li"), a = document.createElement("a"), p = document.createElement("p");
        a.href = h.e.href;
        a.textContent = h.e.title;
        var where = document.createElement("span");
        where.className = "sp-search-page";
        where.textContent = h.e.page;
        p.textContent = snippet(h.e, terms);
        li.appendChild(a); li.appendChild(where); li.appendChild(p);
        list.appendChild(li);
      });
      if (hits.length) panel.appendChild(list);
      panel.hidden = false;
      status.textContent = hits.length === 0 ? "Geen resultaten voor \u201c" + query + "\u201d."
        : hits.length + (hits.length === 1 ? " resultaat" : " resultaten") + (hits.length > 20 ? "; de eerste 20:" : ":");
    });
  }
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { show(input.value); }, 120);
  });
  input.addEventListener("focus", function () { withIndex(function () {}); });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); show(input.value); });
  form.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { panel.hidden = true; status.textContent = ""; input.focus(); }
  });
  document.addEventListener("click", function (ev) {
    if (!form.contains(ev.target)) { panel.hidden = true; }
  });
})();
