// The KPI dashboard's charts (Chart.js, vendored): one bar chart per table, this period beside
// the previous one, drawn from the json_script "dashboard-charts". A bar opens the works-order
// list behind it, as the figure in the table beside the chart does.
(function () {
  "use strict";

  function unitText(value, unit) {
    if (value === null || value === undefined) return "—";
    if (unit === "percent") return value.toFixed(1) + " %";
    if (unit === "hours") return value.toFixed(1) + " h";
    if (unit === "money") return value.toFixed(2);
    return String(value);
  }

  function draw(canvas, chart) {
    var styles = getComputedStyle(document.documentElement);
    var primary = styles.getPropertyValue("--bs-primary").trim() || "#0d6efd";
    var muted = styles.getPropertyValue("--bs-secondary-bg").trim() || "#e9ecef";
    var datasets = [{ label: "This period", data: chart.now, backgroundColor: primary }];
    if (chart.before) {
      datasets.push({
        label: "Previous period",
        data: chart.before,
        backgroundColor: muted,
        borderColor: "#6c757d",
        borderWidth: 1,
      });
    }
    var instance = new window.Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: chart.labels.length > 6 ? "y" : "x",
        plugins: {
          title: { display: true, text: chart.label },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + unitText(item.raw, chart.unit);
              },
            },
          },
        },
        onHover: function (event, elements) {
          var link = elements.length && chart.links[elements[0].index];
          event.native.target.style.cursor = link ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          if (!elements.length) return;
          var link = chart.links[elements[0].index];
          if (link) window.location.assign(link);
        },
      },
    });
    // What was drawn, for people reading the page's source and for the browser tests.
    canvas.dataset.drawn = chart.labels.join("|") + "=" + chart.now.join("|");
    return instance;
  }

  function drawAll() {
    var source = document.getElementById("dashboard-charts");
    if (!source || !window.Chart) return;
    var charts = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = charts[canvas.dataset.chart];
      if (chart) draw(canvas, chart);
    });
  }

  // Choosing a period or a branch shows it at once; "Dates I choose" waits for the dates.
  function autoSubmit() {
    var form = document.getElementById("dashboard-form");
    if (!form) return;
    form.addEventListener("change", function (event) {
      var name = event.target.name;
      var custom = form.elements.period && form.elements.period.value === "custom";
      if (name === "branch" || (name === "period" && !custom)) form.requestSubmit();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll();
    autoSubmit();
  });
})();
