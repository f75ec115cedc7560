// Survey results: one Chart.js bar chart per published question, from the json_script
// "results-charts" (built by feedback/exports.py from the same figures as the tables under
// each chart, so the page is complete without this script).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("results-charts");
  if (!source || typeof Chart === "undefined") return;
  const colours = ["#5b3cc4", "#20a39e", "#f29e4c", "#ef476f", "#118ab2", "#6c757d"];
  JSON.parse(source.textContent).forEach((chart) => {
    const canvas = document.getElementById(chart.id);
    if (!canvas) return;
    const horizontal = chart.labels.length > 6 || chart.labels.some((l) => String(l).length > 14);
    const valueAxis = { beginAtZero: true, ticks: { precision: chart.max ? 1 : 0 } };
    if (chart.max) valueAxis.max = chart.max;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map((set, index) => ({
          label: set.label, data: set.data, backgroundColor: colours[index % colours.length],
        })),
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        scales: horizontal ? { x: valueAxis } : { y: valueAxis },
        plugins: { legend: { display: chart.datasets.length > 1, position: "top" } },
      },
    });
  });
});
