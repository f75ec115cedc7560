// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:responseError", (event) => {
  const target = document.getElementById("htmx-error");
  if (target) target.textContent = "The server could not complete that. Please retry.";
  console.warn("htmx error", event.detail);
});
