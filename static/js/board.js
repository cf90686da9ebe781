// The board: drag cards between columns (SortableJS), or use each card's "Move to…" menu.
// The server decides: after every move the board redraws itself from the database (the move
// answers "boardChanged"), so a refused move puts the card back. Loaded with `defer` after
// Sortable, Bootstrap and htmx.
(function () {
  "use strict";

  let dragging = false;
  let lastNumber = null; // the card last moved, to give its menu button focus back

  // Polling and refreshes wait while someone is dragging or has a card's menu open: a board
  // redrawn under their hand would drop what they are doing.
  window.boardBusy = () =>
    dragging || document.querySelector("#board .dropdown-menu.show") !== null;
  // The refresh and the poll (marked data-wait-while-busy) skip a turn while busy. Not an
  // hx-trigger filter: those are evaluated as code, which the Content-Security-Policy forbids.
  document.body.addEventListener("htmx:confirm", (event) => {
    if (event.detail.elt.hasAttribute("data-wait-while-busy") && window.boardBusy()) {
      event.preventDefault();
    }
  });

  function move(form, card, fields) {
    lastNumber = card.dataset.number;
    form.elements.number.value = card.dataset.number;
    form.elements.seen.value = card.dataset.status;
    Object.entries(fields || {}).forEach(([name, value]) => { form.elements[name].value = value; });
    card.classList.add("opacity-50");
    // Not "move": SortableJS dispatches a bubbling DOM event of that name on the list a card
    // leaves, which would post that column's form with no card in it.
    htmx.trigger(form, "boardMove");
  }

  function sortable(list) {
    if (list.dataset.sortable) return;
    list.dataset.sortable = "1";
    Sortable.create(list, {
      group: "board",
      sort: false, // order within a column is the server's (priority, then due time)
      animation: 120,
      draggable: ".bc",
      filter: "a, button, .dropdown-menu, [data-status=collected]",
      preventOnFilter: false,
      delay: 200,
      delayOnTouchOnly: true, // a finger scrolls the column; a long press picks the card up
      ghostClass: "bc-ghost",
      chosenClass: "bc-chosen",
      onStart: () => { dragging = true; },
      onEnd: () => { dragging = false; },
      // `add` fires on the list the card arrived in (`end` fires on the one it left); with
      // `sort: false` a card dropped back where it was fires nothing, and nothing is sent.
      onAdd: (event) => move(event.to.closest("form"), event.item),
    });
  }

  htmx.onLoad((root) => {
    root.querySelectorAll(".bc-list").forEach(sortable);
    const board = root.id === "board" ? root : root.querySelector("#board");
    if (board) oneColumnAtATime(board);
  });

  // "Move to…": the server fills the menu when it opens, with the steps this person may take on
  // this job now (the same checks the move makes), so it never offers what it would refuse.
  document.addEventListener("show.bs.dropdown", (event) => {
    const button = event.target;
    if (!button.classList.contains("bc-move")) return;
    const card = button.closest(".bc");
    const menu = button.nextElementSibling;
    menu.innerHTML = '<li><span class="dropdown-item-text small text-body-secondary">Loading…</span></li>';
    const url = document.getElementById("board").dataset.stepsUrl
      .replace("__number__", encodeURIComponent(card.dataset.number));
    htmx.ajax("GET", url, { target: menu, swap: "innerHTML" }).then(() => {
      const dropdown = bootstrap.Dropdown.getInstance(button);
      if (dropdown) dropdown.update();
    });
  });
  // The columns scroll, so the menu is placed `fixed` to escape them.
  ["pointerdown", "focusin"].forEach((type) => document.addEventListener(type, (event) => {
    const button = event.target.closest && event.target.closest(".bc-move");
    if (button) bootstrap.Dropdown.getOrCreateInstance(button, { popperConfig: { strategy: "fixed" } });
  }));
  document.addEventListener("click", (event) => {
    const action = event.target.closest(".bc .dropdown-menu [data-step]");
    if (!action) return;
    const card = action.closest(".bc");
    const button = card.querySelector(".bc-move");
    bootstrap.Dropdown.getOrCreateInstance(button).hide();
    button.focus(); // htmx gives focus back to the button with this id after the redraw
    move(document.getElementById("board-step"), card, { step: action.dataset.step });
  });

  // Closing the move dialog gives focus back to the card's menu button.
  document.addEventListener("hidden.bs.modal", (event) => {
    if (event.target.id !== "move-dialog") return;
    const button = lastNumber && document.getElementById("m-" + lastNumber);
    if (button) button.focus();
  });

  // Phones show one column at a time (the CSS hides the others below 768 px); the switcher
  // above the board picks which, and the choice outlives redraws and reloads in this tab. The
  // first time, it is the first column with cards in it.
  function oneColumnAtATime(board) {
    const switcher = board.querySelector(".board-switch");
    if (!switcher) return;
    const buttons = Array.from(switcher.querySelectorAll("[data-column]"));
    const has = (status) => buttons.some((b) => b.dataset.column === status);
    const busy = buttons.find((b) => parseInt(b.querySelector(".badge").textContent, 10) > 0);
    let chosen = sessionStorage.getItem("board-column");
    if (!has(chosen)) chosen = (busy || buttons[0]).dataset.column;
    const show = (status) => {
      sessionStorage.setItem("board-column", status); // a redraw must not move the person
      buttons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.column === status)));
      board.querySelectorAll(".bcol").forEach((col) => col.classList.toggle("shown", col.dataset.column === status));
    };
    switcher.addEventListener("click", (event) => {
      const button = event.target.closest("[data-column]");
      if (button) show(button.dataset.column);
    });
    show(chosen);
    board.querySelector(".board").classList.add("one-column");
    switcher.hidden = false;
  }

  // A move that failed on the way (network, server error) leaves the card where it was dropped:
  // redraw the board from the database.
  ["htmx:responseError", "htmx:sendError"].forEach((type) => document.body.addEventListener(type, (event) => {
    if (event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("#board")) {
      setTimeout(() => htmx.trigger(document.body, "boardChanged"), 0);
    }
  }));
})();
