/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  // Filters fold away on a phone (results first); a form with errors stays open.
  if (window.matchMedia("(max-width: 700px)").matches) {
    document.querySelectorAll("details.filter-panel:not([data-keep-open])").forEach(function (d) { d.open = false; });
  }

  // The explorer's tree-table: a toggle button per category hides or shows the rows under it. Without JS every
  // row is shown. Rows carry data-path (their ancestors' codes), so a row is shown when all its ancestors are open.
  var table = document.querySelector("table.tree-table.is-tree");
  var rows = table ? Array.prototype.slice.call(table.querySelectorAll("tr.tree-row")) : [];
  var closed = {};
  function sync() {
    rows.forEach(function (row) {
      var path = row.getAttribute("data-path");
      row.hidden = !!path && path.split(" ").some(function (code) { return closed[code]; });
      var toggle = row.querySelector(".tree-toggle");
      if (toggle) toggle.setAttribute("aria-expanded", closed[row.getAttribute("data-code")] ? "false" : "true");
    });
  }
  function setAll(open) {
    rows.forEach(function (row) {
      if (row.querySelector(".tree-toggle")) closed[row.getAttribute("data-code")] = !open;
    });
    sync();
  }
  if (table) {
    rows.forEach(function (row) {
      var toggle = row.querySelector(".tree-toggle");
      if (!toggle) return;
      toggle.hidden = false;
      // Collapsed to the top level at first, unless a filter is on (then every match is shown).
      if (table.getAttribute("data-expanded") !== "all") closed[row.getAttribute("data-code")] = true;
      toggle.addEventListener("click", function () {
        var code = row.getAttribute("data-code");
        closed[code] = !closed[code];
        sync();
      });
    });
    document.querySelectorAll(".tree-tools").forEach(function (tools) { tools.hidden = false; });
    document.querySelectorAll("[data-tree-toggle]").forEach(function (button) {
      button.addEventListener("click", function () { setAll(button.getAttribute("data-tree-toggle") === "open"); });
    });
    sync();
  }

  // A link to #something inside closed <details> (a tree node, a chart's table) opens the way to it.
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) return;
    var target = document.getElementById(id);
    if (!target) return;
    if (target.tagName === "DETAILS") target.open = true;
    if (target.classList.contains("tree-row")) {
      (target.getAttribute("data-path") || "").split(" ").forEach(function (code) { delete closed[code]; });
      sync();
    }
    for (var el = target.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  reveal();

  // Copy buttons (BibTeX).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = "Copied";
      }, function () {
        button.textContent = "Select the text to copy";
      });
    });
  });
})();
