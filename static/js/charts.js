/* Draw every dashboard chart from the JSON the server embedded (plotly.js is loaded just before this file).

   Charts follow their box's width (plotly's responsive config). Below NARROW px a chart whose spec says so is
   re-laid for a phone: "horizontal" turns vertical bars into horizontal ones (long labels get a whole line),
   "transpose" swaps the axes of the gap map. Crossing the breakpoint (rotating a phone) redraws. */
(function () {
  "use strict";
  if (typeof Plotly === "undefined") return;
  var NARROW = 600;

  function swapAxes(layout) {
    var x = layout.xaxis || {};
    layout.xaxis = layout.yaxis || {};
    layout.yaxis = x;
    // The old x axis sat on top (gap map): keep the new x axis there, categories read top to bottom.
    if (layout.yaxis.side === "top") { delete layout.yaxis.side; layout.xaxis.side = "top"; }
    if (layout.yaxis.categoryarray && layout.yaxis.categoryorder === "array") {
      layout.yaxis.categoryarray = layout.yaxis.categoryarray.slice().reverse();
    }
    if (layout.xaxis.categoryarray && layout.xaxis.categoryorder === "array") {
      layout.xaxis.categoryarray = layout.xaxis.categoryarray.slice().reverse();
      layout.xaxis.tickangle = -45;
    }
  }

  function swapTrace(trace) {
    var x = trace.x;
    trace.x = trace.y;
    trace.y = x;
    if (trace.type === "bar") trace.orientation = "h";
    if (trace.hovertemplate) {
      trace.hovertemplate = trace.hovertemplate.replace(/%\{x/g, "%{X").replace(/%\{y/g, "%{x").replace(/%\{X/g, "%{y");
    }
    if (trace.textposition === "middle right") trace.textposition = "bottom center";
  }

  function narrowFigure(spec) {
    var figure = JSON.parse(JSON.stringify(spec.figure));
    figure.data.forEach(swapTrace);
    swapAxes(figure.layout);
    if (spec.narrow === "horizontal") {
      // Long category labels wrap onto lines of about 18 characters; bar labels get room on the right.
      figure.data.forEach(function (trace) {
        trace.y = (trace.y || []).map(function (label) {
          return String(label).replace(/(.{1,18})(\s|$)/g, "$1<br>").replace(/<br>$/, "");
        });
        trace.cliponaxis = false;
      });
      figure.layout.margin = Object.assign({}, figure.layout.margin, { r: 48 });
      figure.layout.yaxis.automargin = true;
      figure.layout.yaxis.autorange = "reversed";
      var categories = figure.data.reduce(function (n, t) { return Math.max(n, (t.y || []).length); }, 0);
      figure.layout.height = Math.max(figure.layout.height || 0, 160 + categories * 34);
    } else {
      figure.layout.xaxis.automargin = true;
      figure.layout.height = (figure.layout.height || 400) * 0.6 + 160;
    }
    return figure;
  }

  var charts = [];
  document.querySelectorAll(".plotly-chart[data-spec]").forEach(function (el) {
    var script = document.getElementById(el.getAttribute("data-spec"));
    if (!script) return;
    charts.push({ el: el, spec: JSON.parse(script.textContent), narrow: null });
  });

  function draw() {
    charts.forEach(function (chart) {
      var narrow = !!chart.spec.narrow && chart.el.clientWidth < NARROW;
      if (narrow === chart.narrow) return;
      chart.narrow = narrow;
      var figure = narrow ? narrowFigure(chart.spec) : chart.spec.figure;
      Plotly.react(chart.el, figure.data, figure.layout, chart.spec.config);
    });
  }
  draw();
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(draw, 200);
  });
})();
