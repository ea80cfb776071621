/* The submission form: new/existing paper switch, "add another mapping", and "is this paper already here?".
   Everything also works without JavaScript (server-side prefill and paper switch); this only makes it quicker. */
(function () {
  "use strict";
  var form = document.getElementById("submission-form");
  if (!form) return;

  // New paper or existing paper: show the matching section.
  function paperChoice() {
    var checked = form.querySelector('input[name="paper_choice"]:checked');
    return checked ? checked.value : null;
  }
  function syncPaperChoice() {
    var value = paperChoice();
    if (value === null) return;
    form.querySelectorAll("[data-show-when]").forEach(function (el) {
      el.hidden = el.getAttribute("data-show-when") !== value;
    });
  }
  form.querySelectorAll('input[name="paper_choice"]').forEach(function (radio) {
    radio.addEventListener("change", syncPaperChoice);
  });
  syncPaperChoice();

  // After a failed submit: the error summary takes focus (a screen reader reads it); its links focus their field.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) return;
        event.preventDefault();
        for (var el = target.parentElement; el; el = el.parentElement) {
          if (el.tagName === "DETAILS") el.open = true;
        }
        target.scrollIntoView({ block: "center" });
        target.focus();
      });
    });
  }

  // "Remove this mapping" only where there is more than one mapping to keep.
  function syncRemove() {
    var mappings = form.querySelectorAll("#mappings fieldset.mapping");
    mappings.forEach(function (mapping) {
      var remove = mapping.querySelector(".remove-mapping");
      if (remove) remove.hidden = mappings.length < 2;
    });
  }
  syncRemove();

  // Add another mapping from the formset's empty form.
  var addButton = document.getElementById("add-mapping");
  var template = document.getElementById("mapping-template");
  var total = form.querySelector('input[name="mappings-TOTAL_FORMS"]');
  var max = form.querySelector('input[name="mappings-MAX_NUM_FORMS"]');
  var container = document.getElementById("mappings");
  if (addButton && template && total && container) {
    addButton.hidden = false;
    addButton.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) {
        addButton.disabled = true;
        return;
      }
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__num__/g, String(index + 1));
      container.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      syncRemove();
      if (window.kbFaultPicker) window.kbFaultPicker(container.lastElementChild);
      var first = container.lastElementChild.querySelector("input.fault-search:not([hidden]), select");
      if (first) first.focus();
    });
  }

  // "Is this paper already here?": ask the lookup endpoint as the title, DOI or arXiv id is typed.
  var lookupUrl = form.getAttribute("data-lookup-url");
  var existingInput = document.getElementById("id_existing_paper");
  var existingChosen = document.getElementById("existing-chosen");
  var timers = {};

  function usePaper(match) {
    var radio = form.querySelector('input[name="paper_choice"][value="existing"]');
    if (radio) radio.checked = true;
    if (existingInput) existingInput.value = match.key;
    if (existingChosen) existingChosen.textContent = "Chosen: " + match.title + (match.year ? " (" + match.year + ")" : "");
    syncPaperChoice();
    if (existingInput) existingInput.focus();
  }

  function render(target, matches, intro) {
    target.textContent = "";
    if (!matches.length) return;
    var heading = document.createElement("p");
    heading.textContent = intro;
    target.appendChild(heading);
    var list = document.createElement("ul");
    list.className = "lookup-results";
    matches.forEach(function (match) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = match.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = match.title + (match.year ? " (" + match.year + ")" : "");
      item.appendChild(link);
      var why = document.createElement("span");
      why.className = "muted small";
      why.textContent = { doi: "same DOI", arxiv: "same arXiv id", title: "same title", similar: "similar title" }[match.match] || "";
      item.appendChild(why);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = "Add my mappings to this paper";
      button.addEventListener("click", function () { usePaper(match); });
      item.appendChild(button);
      list.appendChild(item);
    });
    target.appendChild(list);
  }

  function lookup(input, target, intro) {
    var query = input.value.trim();
    clearTimeout(timers[input.id]);
    if (query.length < 4) {
      target.textContent = "";
      return;
    }
    timers[input.id] = setTimeout(function () {
      fetch(lookupUrl + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { matches: [] }; })
        .then(function (data) { render(target, data.matches || [], intro); })
        .catch(function () { target.textContent = ""; });
    }, 350);
  }

  var newResults = document.getElementById("new-paper-lookup");
  ["id_paper-title", "id_paper-doi", "id_paper-arxiv_id"].forEach(function (id) {
    var input = document.getElementById(id);
    if (input && newResults) {
      input.addEventListener("input", function () {
        lookup(input, newResults, "Already in the knowledge base? Add your mappings to it instead:");
      });
    }
  });
  var search = document.getElementById("existing-search");
  var searchResults = document.getElementById("existing-search-results");
  if (search && searchResults) {
    search.hidden = false;
    search.addEventListener("input", function () { lookup(search, searchResults, "Papers in the knowledge base:"); });
  }
})();
