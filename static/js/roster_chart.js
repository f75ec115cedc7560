// Roster: bar chart of mentee demand vs mentor supply per topic. The same figures are in the
// table next to the chart, so the page is complete without this script.
document.addEventListener("DOMContentLoaded", () => {
  const canvas = document.getElementById("topic-chart");
  const source = document.getElementById("topic-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  // The chart grows with its topics (CSSOM, allowed by the CSP; style attributes are not).
  const box = canvas.parentElement;
  if (box && box.dataset.minHeight) box.style.minHeight = `${parseInt(box.dataset.minHeight, 10)}px`;
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Wanted by mentees", data: data.wanted, backgroundColor: "#5b3cc4" },
        { label: "Teachable by mentors", data: data.teachable, backgroundColor: "#20a39e" },
      ],
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "top" } },
    },
  });
});
