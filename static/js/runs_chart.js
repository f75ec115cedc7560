// Matching · cohort: runs compared (matched mentees, topic coverage). The same figures are in
// the runs table below, so the page is complete without this script. Data: #runs-chart-data.
document.addEventListener("DOMContentLoaded", () => {
  const canvas = document.getElementById("runs-chart");
  const source = document.getElementById("runs-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const runs = Array.from(source.children, (item) => item.dataset);
  const number = (value) => (value === "" ? null : Number(value));
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: runs.map((run) => run.label),
      datasets: [
        { label: "Matched mentees", data: runs.map((run) => number(run.matched)), yAxisID: "y" },
        {
          label: "Topic coverage %", type: "line", yAxisID: "y1",
          data: runs.map((run) => number(run.coverage)),
        },
      ],
    },
    options: {
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true }, y1: { beginAtZero: true, max: 100, position: "right" } },
    },
  });
});
