// The vitals chart of a patient's vitals page and of an admission's page: temperature, pulse,
// blood pressure and SpO2 over time, and the NEWS2 of each scored set on its own 0-20 scale.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var canvas = document.getElementById("vitals-chart");
    var data = document.getElementById("vitals-series");
    if (!canvas || !data || typeof Chart === "undefined") return;
    var series = JSON.parse(data.textContent);
    var lines = [
      ["temperature_c", "Temperature °C", "#dc3545", "y1"],
      ["pulse", "Pulse /min", "#0d6efd", "y"],
      ["systolic", "Systolic mmHg", "#6f42c1", "y"],
      ["diastolic", "Diastolic mmHg", "#d63384", "y"],
      ["spo2", "SpO2 %", "#198754", "y"],
      ["news2", "NEWS2", "#fd7e14", "y2"]
    ].filter(function (line) { return series[line[0]] && series[line[0]].length; });
    var hasNews2 = Boolean(series.news2 && series.news2.length);
    var scales = {
      x: { type: "category", labels: series.at },
      y: { position: "left", title: { display: true, text: "/min · mmHg · %" } },
      y1: { position: "right", min: 34, max: 42, grid: { drawOnChartArea: false }, title: { display: true, text: "°C" } }
    };
    if (hasNews2) {
      scales.y2 = { position: "right", min: 0, max: 20, grid: { drawOnChartArea: false }, title: { display: true, text: "NEWS2" } };
    }
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: lines.map(function (line) {
          var isScore = line[0] === "news2";
          return {
            label: line[1], data: series[line[0]], borderColor: line[2], backgroundColor: line[2],
            yAxisID: line[3], tension: isScore ? 0 : 0.2, borderWidth: isScore ? 3 : 2,
            borderDash: isScore ? [6, 3] : undefined, pointStyle: isScore ? "rectRot" : "circle",
            pointRadius: isScore ? 5 : 3
          };
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: !canvas.parentElement.classList.contains("vitals-chart-box"),
        parsing: { xAxisKey: "x", yAxisKey: "y" },
        scales: scales
      }
    });

  });
})();
