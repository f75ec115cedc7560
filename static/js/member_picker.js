// "Your manager": search-as-you-type over the organization's members (ARIA 1.2 combobox).
// Typing asks the server for at most 20 matches (the view's htmx fragment, fetched with the
// HX-Request header; an older answer never replaces a newer one); ArrowDown/ArrowUp move
// through them, Enter or a click picks one, Escape closes the list. Progressive enhancement
// only: without this script the field is plain text that the server resolves on save.
document.addEventListener("DOMContentLoaded", () => {
  const picker = document.getElementById("manager-picker");
  if (!picker) return;
  const input = picker.querySelector("input[role=combobox]");
  const hidden = picker.querySelector("input[type=hidden][name=manager]");
  const status = document.getElementById("manager-status");
  if (!input) return;
  let timer = null;
  let lastQuery = null;
  let pending = null;

  const list = () => document.getElementById("manager-options");
  const options = () => Array.from(list()?.querySelectorAll("[role=option]") || []);
  const active = () => options().find((o) => o.getAttribute("aria-selected") === "true");

  function close() {
    const box = list();
    if (box) box.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function open() {
    const box = list();
    if (!box || options().length === 0) return close();
    box.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function highlight(option) {
    options().forEach((o) => {
      const on = o === option;
      o.setAttribute("aria-selected", on ? "true" : "false");
      o.classList.toggle("active", on);
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  }

  function choose(option) {
    input.value = option.dataset.label;
    if (hidden) hidden.value = option.dataset.pk;
    lastQuery = input.value.trim();
    close();
    if (status) status.textContent = `${option.dataset.label} chosen as your manager.`;
  }

  function search() {
    const q = input.value.trim();
    if (q === lastQuery) return;
    lastQuery = q;
    if (q === "") {
      close();
      return;
    }
    if (pending) pending.abort();
    pending = new AbortController();
    const url = `${picker.dataset.searchUrl}?q=${encodeURIComponent(q)}`;
    fetch(url, { headers: { "HX-Request": "true" }, signal: pending.signal,
                 credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        const template = document.createElement("template");
        template.innerHTML = html.trim();
        const fresh = template.content.querySelector("#manager-options");
        if (!fresh) return;
        list().replaceWith(fresh);
        if (status) status.textContent = fresh.dataset.status || "";
        if (document.activeElement === input) open();
      })
      .catch((error) => {
        if (error && error.name === "AbortError") return;
        lastQuery = null;  // try again on the next keystroke
        if (status) status.textContent = "The search is not available right now; type the "
          + "full name and save.";
      });
  }

  input.addEventListener("input", () => {
    if (hidden) hidden.value = "";  // a changed name no longer names the picked person
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });

  input.addEventListener("keydown", (event) => {
    const all = options();
    const current = active();
    const index = current ? all.indexOf(current) : -1;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list()?.hidden) {
        open();
        if (list()?.hidden) return;
      }
      if (all.length === 0) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight(all[(index + step + all.length) % all.length]);
    } else if (event.key === "Enter" && current && !list()?.hidden) {
      event.preventDefault();  // pick, do not submit the profile
      choose(current);
    } else if (event.key === "Escape" && !list()?.hidden) {
      event.preventDefault();
      close();
    }
  });

  picker.addEventListener("mousedown", (event) => {
    const option = event.target.closest("[role=option]");
    if (option) {
      event.preventDefault();  // keep the focus in the input
      choose(option);
    }
  });

  input.addEventListener("blur", () => setTimeout(close, 150));
});
