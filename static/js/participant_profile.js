// Participant profile: filter the topic grid, add availability rows. Progressive
// enhancement only: without it every topic is listed and blank rows are already there.
document.addEventListener("DOMContentLoaded", () => {
  const filter = document.getElementById("topic-filter");
  if (filter) {
    filter.addEventListener("input", () => {
      const needle = filter.value.trim().toLowerCase();
      document.querySelectorAll("#topic-table tbody tr[data-topic]").forEach((row) => {
        row.hidden = needle !== "" && !row.dataset.topic.includes(needle);
      });
    });
  }
  const button = document.getElementById("add-availability-row");
  const template = document.getElementById("availability-empty-row");
  const total = document.getElementById("id_availability-TOTAL_FORMS");
  const maximum = document.getElementById("id_availability-MAX_NUM_FORMS");
  const rows = document.getElementById("availability-rows");
  if (button && template && total && rows) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const index = parseInt(total.value, 10);
      if (maximum && index >= parseInt(maximum.value, 10)) return;
      const html = template.innerHTML.replaceAll("__prefix__", index)
        .replaceAll("__number__", index + 1);
      rows.insertAdjacentHTML("beforeend", html);
      total.value = index + 1;
      rows.lastElementChild.querySelector("select")?.focus();
    });
  }
});
