// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:responseError", (event) => {
  const target = document.getElementById("htmx-error");
  if (target) target.textContent = "The server could not complete that. Please retry.";
  console.warn("htmx error", event.detail);
});

// A form with data-confirm asks first (no inline onsubmit: the CSP forbids inline handlers).
// Capture phase: runs before the busy-text handler below and htmx, and stops them on "Cancel".
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
  if (!window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// Long requests: a form with data-busy-text shows that it is working and cannot be sent twice.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.busyText) return;
  const button = form.querySelector("button[type=submit]");
  if (button) {
    button.disabled = true;
    button.textContent = form.dataset.busyText;
  }
  form.setAttribute("aria-busy", "true");
});
