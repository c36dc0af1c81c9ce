// The dashboards' charts, drawn from each table's own figures embedded in the page (the table
// beside each chart shows them exactly; a chart only draws them).
(function () {
  "use strict";
  var COLOURS = ["#0b5cad", "#e07b00", "#1b6e3a", "#a4161a"];
  if (typeof Chart === "undefined") { return; }
  document.querySelectorAll("canvas[data-table]").forEach(function (canvas) {
    var table = JSON.parse(document.getElementById("data-" + canvas.dataset.table).textContent);
    var x = table.columns.indexOf(table.chart.x);
    var datasets = table.chart.series.map(function (name, k) {
      var at = table.columns.indexOf(name);
      return {
        label: name.split("_").join(" "),
        data: table.rows.map(function (row) { return row[at] === null ? null : Number(row[at]); }),
        borderColor: COLOURS[k % COLOURS.length],
        backgroundColor: COLOURS[k % COLOURS.length]
      };
    });
    new Chart(canvas, {
      type: table.chart.kind,
      data: { labels: table.rows.map(function (row) { return row[x]; }), datasets: datasets },
      options: { animation: false, responsive: true, maintainAspectRatio: false, locale: "en-IN" }
    });
    canvas.dataset.drawn = String(table.rows.length);
  });
})();
