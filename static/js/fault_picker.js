/* The fault picker (kb_site.ui.FaultSelect with searchable=True): a search box before a <select> of every fault.
   Typing hides the options whose label ("H-1.2.3-1 Wrong tensor shape — unaddressed") has no word beginning with
   each typed word (a word begins after a space, "-", "(" or "/": "tens" finds "tensor", "1.2.3-1" the id above,
   "rate" does not find "accurate"), so a fault is found by words of its name or by its id; the count of matches
   is announced. Enter or the down arrow
   moves to the narrowed list (Enter with one match also chooses it). Without JavaScript the search box stays hidden
   and the plain select works. window.kbFaultPicker(root) enhances the pickers inside root (a mapping added later). */
(function () {
  "use strict";

  function words(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").split(/\s+/).filter(Boolean);
  }

  function begins(text, word) {
    return text.indexOf(" " + word) !== -1 || text.indexOf("-" + word) !== -1 ||
      text.indexOf("(" + word) !== -1 || text.indexOf("/" + word) !== -1;
  }

  function enhance(search) {
    if (search.getAttribute("data-ready")) return;
    var select = document.getElementById(search.getAttribute("aria-controls"));
    var status = document.getElementById(search.getAttribute("aria-describedby"));
    if (!select) return;
    search.setAttribute("data-ready", "true");
    search.hidden = false;
    // Each option's words once, not on every key stroke (a taxonomy can have 1,000+ faults).
    var options = Array.prototype.map.call(select.options, function (option) {
      return { option: option, text: " " + words(option.textContent).join(" ") };
    });

    function visible() {
      return options.filter(function (o) { return o.option.value && !o.option.hidden; });
    }

    function filter() {
      var wanted = words(search.value);
      options.forEach(function (o) {
        if (!o.option.value) return; // "Choose a fault" stays
        o.option.hidden = !wanted.every(function (word) { return begins(o.text, word); });
      });
      if (!status) return;
      var shown = visible().length;
      status.textContent = wanted.length ? (shown === 1 ? "1 fault matches" : shown + " faults match") : "";
    }

    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // not a submit of the whole form
        var shown = visible();
        if (shown.length === 1) {
          select.value = shown[0].option.value;
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }
        select.focus();
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        select.focus();
      }
    });
    if (search.value) filter();
  }

  function enhanceAll(root) {
    (root || document).querySelectorAll("input.fault-search").forEach(enhance);
  }

  window.kbFaultPicker = enhanceAll;
  enhanceAll(document);
})();
