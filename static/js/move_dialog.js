// The dialog for moves that need more than a click (templates/tickets/move_dialog.html), on the
// board and on the works-order page. The server opens it ("openMoveDialog" with the form) and
// closes it ("closeMoveDialog" once the step is taken). Loaded with `defer` after Bootstrap.
(function () {
  "use strict";

  const dialog = () => document.getElementById("move-dialog");
  const modal = () => bootstrap.Modal.getOrCreateInstance(dialog());

  document.body.addEventListener("openMoveDialog", () => modal().show());
  document.body.addEventListener("closeMoveDialog", () => modal().hide());
  document.addEventListener("shown.bs.modal", (event) => {
    if (event.target.id !== "move-dialog") return;
    const first = event.target.querySelector(".modal-body input:not([type=hidden]), .modal-body select, .modal-body textarea");
    if (first) first.focus();
  });
  document.addEventListener("hidden.bs.modal", (event) => {
    if (event.target.id === "move-dialog") document.getElementById("move-dialog-content").replaceChildren();
  });
  // After the form comes back (errors, or a refusal), put the cursor where to look.
  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target.id !== "move-dialog-content") return;
    const where = event.detail.target.querySelector("[role=alert], .is-invalid, .invalid-feedback");
    const field = where && where.matches(".invalid-feedback") ? where.previousElementSibling : where;
    if (field) field.focus();
  });
  // QC: one click passes every check (the person still reads the list before signing).
  document.addEventListener("click", (event) => {
    if (!event.target.matches("[data-qc-all-pass]")) return;
    event.target.closest("form").querySelectorAll('input.btn-check[value="pass"]')
      .forEach((radio) => { radio.checked = true; });
  });
  if (dialog() && dialog().hasAttribute("data-open-on-load")) modal().show();
})();
