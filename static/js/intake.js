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
      const lineNet = Math.round(qty * price * 100) / 100;
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
    recalculate();
  });
  lines.addEventListener("input", recalculate);
  if (!lines.querySelector("tr.quote-line")) addLine({ focus: false });  // the cursor stays on the customer
  recalculate();

})();
