// The intake screen: pick a customer, look an IMEI up, price the quote, capture the signature.
(function () {
  "use strict";
  const form = document.getElementById("intake-form");
  if (!form) return;
  const intakeUrl = form.getAttribute("action") || window.location.pathname;
  const field = (name) => form.querySelector(`[name="device-${name}"]`);
  const money = new Intl.NumberFormat("en-GB", { style: "currency", currency: form.dataset.currency }).format;

  // 1. Customer: a match from the search list replaces the section with the picked customer.
  form.addEventListener("click", (event) => {
    const match = event.target.closest("[data-customer-id]");
    if (match) {
      htmx.ajax("GET", `${intakeUrl}?customer_id=${match.dataset.customerId}`,
        { target: "#customer-section", swap: "outerHTML" });
    }
    const device = event.target.closest("[data-fill-device]");
    if (device) {
      ["category", "make", "imei", "serial", "colour", "storage"].forEach((name) => {
        if (field(name)) field(name).value = device.dataset[name] || "";
      });
      field("model_name").value = device.dataset.model || "";
      field("imei").focus();
    }
  });
  // Arrow down from the search box goes into the matches.
  form.addEventListener("keydown", (event) => {
    if (event.target.id === "customer-search" && event.key === "ArrowDown") {
      const first = document.querySelector("#customer-results [data-customer-id]");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });

  // 2. Device: barcode scanners type the IMEI and press Enter; look it up instead of submitting.
  function lookUpImei() {
    const imei = field("imei");
    if (!imei || !imei.value.trim()) return;
    htmx.ajax("GET", `${form.dataset.deviceLookupUrl}?imei=${encodeURIComponent(imei.value)}`,
      { target: "#device-lookup-result", swap: "innerHTML" });
  }
  form.addEventListener("keydown", (event) => {
    if (event.target === field("imei") && event.key === "Enter") {
      event.preventDefault();
      lookUpImei();
      field("make").focus();
    }
  });
  form.addEventListener("change", (event) => { if (event.target === field("imei")) lookUpImei(); });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "device-lookup-result") return;
    const found = event.detail.target.querySelector("#device-lookup");
    if (!found) return;
    // The catalogue knows this TAC: fill what the counter has not typed already.
    [["make", found.dataset.make], ["model_name", found.dataset.model], ["category", found.dataset.category],
      ["device_model", found.dataset.deviceModelId]].forEach(([name, value]) => {
      const input = field(name);
      if (input && value && (!input.value || input.dataset.filledByLookup)) {
        input.value = value;
        input.dataset.filledByLookup = "1";
      }
    });
  });

  // 4. Quote lines: add, remove, and keep the totals in step (the server recalculates anyway).
  const lines = document.querySelector("#quote-lines tbody");
  const total = form.querySelector('[name="lines-TOTAL_FORMS"]');
  function recalculate() {
    let net = 0, vat = 0;
    lines.querySelectorAll("tr.quote-line").forEach((row) => {
      if (row.hidden) return;
      const qty = parseFloat(row.querySelector("[data-qty]").value) || 0;
      const price = parseFloat(row.querySelector("[data-price]").value) || 0;
      const rate = parseFloat(row.querySelector("[data-vat]").value) || 0;
      const sign = row.querySelector('[name$="-kind"]').value === "discount" ? -1 : 1;  // typed as the amount off
      const lineNet = sign * Math.round(qty * price * 100) / 100;
      const lineVat = Math.round(lineNet * rate) / 100;
      row.querySelector("[data-line-gross]").textContent = money(lineNet + lineVat);
      net += lineNet; vat += lineVat;
    });
    document.querySelector('[data-total="net"]').textContent = money(net);
    document.querySelector('[data-total="vat"]').textContent = money(vat);
    document.querySelector('[data-total="gross"]').textContent = money(net + vat);
  }
  function addLine({ focus = true } = {}) {
    const index = parseInt(total.value, 10);
    const html = document.getElementById("quote-line-template").innerHTML.replace(/__prefix__/g, index);
    lines.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    if (focus) lines.lastElementChild.querySelector('[name$="-description"]').focus();
    recalculate();
  }
  document.getElementById("add-line").addEventListener("click", () => addLine());
  lines.addEventListener("click", (event) => {
    const remove = event.target.closest("[data-remove-line]");
    if (!remove) return;
    const row = remove.closest("tr");
    row.querySelector('[name$="-DELETE"]').checked = true;
    row.hidden = true;
    // The last line of a pricebook option gone: its parts are not wanted either.
    const option = row.dataset.option;
    if (option && !lines.querySelector(`tr.quote-line[data-option="${option}"]:not([hidden])`)) {
      document.querySelectorAll(`input[name="pricebook_option"][data-option="${option}"]`).forEach((input) => input.remove());
    }
    recalculate();
  });
  lines.addEventListener("change", recalculate);  // the type of a line (a discount counts down)
  lines.addEventListener("input", (event) => { showWhyChanged(event.target.closest("tr")); recalculate(); });

  // From the pricebook: an option's lines go on the quote as they are, remembering the price
  // they came with; a changed price asks why (the server insists too).
  function showWhyChanged(row) {
    if (!row) return;
    const listed = row.querySelector('[name$="-listed_price"]');
    const note = row.querySelector("[data-line-note]");
    if (!listed || !note || !listed.value) return;
    const price = parseFloat(row.querySelector("[data-price]").value);
    note.hidden = Math.abs(price - parseFloat(listed.value)) < 0.005 && !note.querySelector(".is-invalid");
  }
  function addOption(button) {
    const optionId = button.dataset.pricebookOption;
    JSON.parse(button.dataset.lines).forEach((line) => {
      const blank = [...lines.querySelectorAll("tr.quote-line")].find((row) =>
        !row.hidden && !row.querySelector('[name$="-description"]').value && !row.querySelector("[data-price]").value);
      if (!blank) addLine({ focus: false });
      const row = blank || lines.lastElementChild;
      row.dataset.option = optionId;
      const set = (suffix, value) => { const input = row.querySelector(`[name$="-${suffix}"]`); if (input) input.value = value; };
      set("kind", line.kind); set("description", line.description); set("quantity", line.quantity);
      set("unit_price", line.unit_price); set("listed_price", line.unit_price);
      if (line.vat_rate) set("vat_rate", line.vat_rate);
    });
    const chosen = document.createElement("input");
    Object.assign(chosen, { type: "hidden", name: "pricebook_option", value: optionId });
    chosen.dataset.option = optionId;
    document.getElementById("pricebook-picker").append(chosen);
    button.disabled = true;
    button.insertAdjacentHTML("beforeend", '<span class="badge text-bg-success mt-1">On the quote</span>');
    recalculate();
    document.body.dispatchEvent(new Event("repair-chosen"));  // the promise's prediction follows the repair
  }
  // The pricebook's offers for the repair chosen, and the suggestions from the shop's history.
  ["pricebook-offers", "fault-suggestions"].forEach((id) => {
    const offers = document.getElementById(id);
    if (!offers) return;
    offers.addEventListener("click", (event) => {
      const button = event.target.closest("[data-pricebook-option]");
      if (button && !button.disabled) addOption(button);
    });
  });
  if (!lines.querySelector("tr.quote-line")) addLine({ focus: false });  // the cursor stays on the customer
  recalculate();

})();
