// Dashboards (dashboards/templates/dashboards/): one Chart.js chart per panel, from the
// json_script "dashboard-charts" (dashboards/exports.py chart_data, the same figures as the
// table under each chart, so the page is complete without this script); charts redrawn at
// the paper's size when printing; the print page's "Print or save as PDF" button.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-dashboard-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
  const source = document.getElementById("dashboard-charts");
  if (!source || typeof Chart === "undefined") return;
  const colours = ["#5b3cc4", "#20a39e", "#f29e4c", "#ef476f", "#118ab2", "#6c757d"];
  const suffixes = { "%": "\u00a0%", min: "\u00a0min", "/5": "\u00a0/\u00a05" };
  const format = (value, unit) => (value === null || value === undefined ? "—"
    : Number(value).toLocaleString("en-GB", { maximumFractionDigits: 2 }) + (suffixes[unit] || ""));
  const charts = [];
  JSON.parse(source.textContent).forEach((spec) => {
    const canvas = document.getElementById(spec.id);
    if (!canvas) return;
    const horizontal = spec.kind === "horizontal_bar";
    const stacked = spec.kind === "stacked_bar";
    const valueAxis = {
      beginAtZero: true, stacked, ticks: { callback: (value) => format(value, spec.unit) },
    };
    if (spec.max !== null && spec.max !== undefined) valueAxis.max = spec.max;
    const labelAxis = { stacked };
    const line = spec.kind === "line";
    charts.push(new Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((set, index) => ({
          label: set.label,
          data: set.data,
          backgroundColor: colours[index % colours.length],
          borderColor: colours[index % colours.length],
          spanGaps: false,
        })),
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        devicePixelRatio: Math.max(window.devicePixelRatio || 1, 2),
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: { display: spec.datasets.length > 1, position: "top" },
          tooltip: {
            callbacks: { label: (item) => `${item.dataset.label}: ${format(item.raw, spec.unit)}` },
          },
        },
      },
    }));
  });
  const resize = () => charts.forEach((chart) => chart.resize());
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  const printing = window.matchMedia ? window.matchMedia("print") : null;
  if (printing && printing.addEventListener) printing.addEventListener("change", resize);
});
