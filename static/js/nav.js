/* The header on narrow screens: everything after the brand folds into the Menu button (works without JS: then
   the header simply wraps). The breakpoint matches the CSS one (kb.css, "Header"). */
(function () {
  "use strict";

  // A table wider than the screen scrolls inside its box: make that box reachable and named for keyboard users.
  document.querySelectorAll(".table-wrap").forEach(function (wrap) {
    if (wrap.scrollWidth <= wrap.clientWidth) return;
    var caption = wrap.querySelector("caption");
    var heading = caption || wrap.previousElementSibling;
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", (heading && heading.textContent.trim().slice(0, 80)) || "Table");
  });

  var nav = document.querySelector(".site-header .nav");
  var button = nav && nav.querySelector(".nav-toggle");
  if (!button) return;
  nav.classList.add("nav-collapsible");
  button.hidden = false;
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("nav-open", open);
  }
  button.addEventListener("click", function () { set(button.getAttribute("aria-expanded") !== "true"); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && nav.classList.contains("nav-open")) { set(false); button.focus(); }
  });
  // The account menu closes when focus or a click goes elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll(".user-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
})();
