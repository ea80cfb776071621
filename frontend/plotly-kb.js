// The plotly.js bundle the site serves: the core (which includes scatter) plus only the trace types
// coverage/charts.py draws. Rebuild with `make plotly-bundle` after changing the traces used.
var Plotly = require("plotly.js/lib/core");

Plotly.register([require("plotly.js/lib/bar"), require("plotly.js/lib/treemap")]);

module.exports = Plotly;
