/* Draw every dashboard chart from the JSON the server embedded (plotly.js is loaded just before this file). */
(function () {
  "use strict";
  if (typeof Plotly === "undefined") return;
  document.querySelectorAll(".plotly-chart[data-spec]").forEach(function (el) {
    var script = document.getElementById(el.getAttribute("data-spec"));
    if (!script) return;
    var spec = JSON.parse(script.textContent);
    Plotly.newPlot(el, spec.figure.data, spec.figure.layout, spec.config);
  });
})();
