// The invoice panel's dialogs (native <dialog>) and the cash change, worked out as it is typed.
// The server works the change out again and records it; this only shows it before.
(function () {
  "use strict";

  function pounds(text) {
    var value = parseFloat(text);
    return isNaN(value) ? null : Math.round(value * 100);
  }

  function showChange(form) {
    var cash = form.querySelector("[name=method]").value === "cash";
    var cashOnly = form.querySelector("[data-cash-only]");
    if (cashOnly) cashOnly.hidden = !cash;
    var out = form.querySelector("[data-change]");
    if (!out) return;
    var amount = pounds(form.querySelector("[name=amount]").value);
    var tendered = pounds(form.querySelector("[name=tendered]").value);
    var change = amount !== null && tendered !== null ? tendered - amount : 0;
    var symbol = out.textContent.replace(/[-\d.,\s]/g, "") || "";
    out.textContent = change < 0 ? "not enough handed over" : symbol + (change / 100).toFixed(2);
  }

  function openFrom(root) {
    var panel = root.querySelector ? root.querySelector("[data-open-dialog-on-load]") : null;
    if (root.matches && root.matches("[data-open-dialog-on-load]")) panel = root;
    if (panel) {
      var dialog = document.getElementById(panel.dataset.openDialogOnLoad);
      if (dialog && !dialog.open) dialog.showModal();
    }
    document.querySelectorAll("form[data-cash-change]").forEach(showChange);
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.dataset.openDialog);
      if (dialog) {
        dialog.showModal();
        dialog.querySelectorAll("form[data-cash-change]").forEach(showChange);
      }
      return;
    }
    if (event.target.closest("[data-print]")) { window.print(); return; }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) closer.closest("dialog").close();
  });
  document.addEventListener("input", function (event) {
    var form = event.target.closest("form[data-cash-change]");
    if (form) showChange(form);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-cash-change]");
    if (form) showChange(form);
  });
  // A dialog left open by the swap (htmx replaces the panel, the old dialog with it) is closed
  // first; the panel says which dialog to reopen when its form came back with errors.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "billing-panel") {
      event.detail.target.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
      // A refused form (400/409) is still the panel to show.
      if (event.detail.xhr.status === 400) event.detail.shouldSwap = true;
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) { openFrom(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { openFrom(document); });
})();
