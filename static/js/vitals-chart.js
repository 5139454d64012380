// The vitals chart of a patient's page: temperature, pulse, blood pressure and SpO2 over time.
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
      ["spo2", "SpO2 %", "#198754", "y"]
    ];
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: lines.map(function (line) {
          return { label: line[1], data: series[line[0]], borderColor: line[2], backgroundColor: line[2], yAxisID: line[3], tension: 0.2 };
        })
      },
      options: {
        animation: false,
        parsing: { xAxisKey: "x", yAxisKey: "y" },
        scales: {
          x: { type: "category" },
          y: { position: "left", title: { display: true, text: "/min · mmHg · %" } },
          y1: { position: "right", min: 34, max: 42, grid: { drawOnChartArea: false }, title: { display: true, text: "°C" } }
        }
      }
    });
  });
})();
