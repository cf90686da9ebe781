// Small behaviours shared by every page. Loaded with `defer`, after Bootstrap and htmx.
(function () {
  "use strict";

  function showToast(level, text) {
    const template = document.getElementById("toast-template");
    const toast = template.content.firstElementChild.cloneNode(true);
    toast.classList.add("text-bg-" + (level || "secondary"));
    if (level === "danger") toast.setAttribute("role", "alert");
    toast.querySelector(".toast-body").textContent = text;
    document.getElementById("toasts").appendChild(toast);
    bootstrap.Toast.getOrCreateInstance(toast, { delay: level === "danger" ? 10000 : 5000 }).show();
    toast.addEventListener("hidden.bs.toast", () => toast.remove());
  }

  // Messages rendered with the page.
  document.querySelectorAll("#toasts .toast").forEach((el) => bootstrap.Toast.getOrCreateInstance(el).show());

  // Messages sent with an htmx response (HX-Trigger: {"toasts": [...]}).
  document.body.addEventListener("toasts", (event) => {
    (event.detail.value || []).forEach((m) => showToast(m.level, m.text));
  });

  // htmx 2 does not swap 4xx/5xx answers; say so instead of doing nothing.
  document.body.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr.status;
    const text = status === 403 ? "Your role does not allow this."
      : status === 404 ? "That is no longer here. Reload the page."
      : "Something went wrong (" + status + "). Nothing was changed; try again.";
    showToast("danger", text);
  });
  document.body.addEventListener("htmx:sendError", () =>
    showToast("danger", "No connection to Benchdesk. Check the network and try again."));

  // <form data-confirm="…"> asks before it posts.
  document.addEventListener("submit", (event) => {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // <button data-copy="#selector"> copies that field's value.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const field = document.querySelector(button.dataset.copy);
    field.select();
    navigator.clipboard.writeText(field.value).then(
      () => showToast("success", "Copied."),
      () => showToast("secondary", "Select the text and copy it with Ctrl+C."));
  });

  // <select data-submit-on-change> submits its form when a choice is made.
  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches("[data-submit-on-change]")) {
      event.target.form.requestSubmit();
    }
  });

  // <form hx-post data-reset-after-request="#field">: after a successful request the form is
  // emptied and that field focused, ready for the next scan.
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (!form.dataset || !form.dataset.resetAfterRequest || !event.detail.successful) return;
    form.reset();
    const field = form.querySelector(form.dataset.resetAfterRequest);
    if (field) field.focus();
  });

  window.benchdesk = { showToast };
})();

// The top-bar search: "/" jumps to it, arrow keys move through the results, Escape closes them.
(function () {
  "use strict";
  const form = document.getElementById("top-search");
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  const results = document.getElementById("top-search-results");
  const links = () => Array.from(results.querySelectorAll("a"));
  const close = () => results.replaceChildren();

  form.addEventListener("keydown", (event) => {
    const items = links();
    const at = items.indexOf(document.activeElement);
    if (event.key === "Escape" && items.length) {
      close();
      input.focus();
      event.preventDefault();
    } else if (event.key === "ArrowDown" && items.length) {
      items[Math.min(at + 1, items.length - 1)].focus();
      event.preventDefault();
    } else if (event.key === "ArrowUp" && at >= 0) {
      (at === 0 ? input : items[at - 1]).focus();
      event.preventDefault();
    }
  });
  document.addEventListener("click", (event) => {
    if (!form.contains(event.target)) close();
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey) {
      input.focus();
      event.preventDefault();
    }
  });
})();

// <input data-filters="#select"> hides the options of a long <select multiple> that do not match.
(function () {
  "use strict";
  document.addEventListener("input", (event) => {
    const target = event.target.dataset && event.target.dataset.filters;
    if (!target) return;
    const words = event.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    document.querySelectorAll(target + " option").forEach((option) => {
      const text = option.textContent.toLowerCase();
      option.hidden = !option.selected && !words.every((word) => text.includes(word));
    });
  });
})();

// <select data-autosubmit> sends its form as soon as a choice is made.
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
});

// Arriving at page#some-field puts the cursor in that field (e.g. the bench's scan field after
// a part is fitted, so the next scan needs no click). Anchors to anything else just scroll.
document.addEventListener("DOMContentLoaded", () => {
  const id = decodeURIComponent(location.hash.slice(1));
  const field = id && document.getElementById(id);
  if (field && field.matches("input, select, textarea")) field.focus();
});

// A table wider than the screen scrolls inside its .table-responsive box; keyboard users must be
// able to scroll it too, so such a box takes focus and is named after its table (or the
// heading before it). Checked on load, on every htmx swap, and when the window changes size.
(function () {
  "use strict";
  const name = (box) => {
    const table = box.querySelector("table");
    const caption = table && (table.caption || null);
    if (caption) return caption.textContent.trim();
    if (table && table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    let heading = box.previousElementSibling;
    while (heading && !/^H[1-6]$/.test(heading.tagName)) heading = heading.previousElementSibling;
    const section = box.closest("section, .card");
    heading = heading || (section && section.querySelector("h1, h2, h3, h4, h5, h6"));
    return heading ? heading.textContent.trim() : "Table";
  };
  const check = (root) => root.querySelectorAll(".table-responsive").forEach((box) => {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", name(box) + " (scrolls sideways)");
    } else if (box.getAttribute("role") === "region") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  });
  htmx.onLoad((root) => check(root.querySelectorAll ? root : document));
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => check(document), 150);
  });
})();
