// Signature boxes: <div data-signature> holding a <canvas> and a hidden input that receives the
// drawing as a PNG data URL. The drawing survives a form error (it is redrawn from the input).
// Boxes on the page at load and boxes that arrive later (the collection dialog) both work.
(function () {
  "use strict";
  const pads = [];

  function fit(canvas, pad, stored) {
    if (!canvas.offsetWidth) return;  // hidden for now; fitted again when shown
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const strokes = pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (strokes.length) pad.fromData(strokes);
    else if (stored.value) pad.fromDataURL(stored.value, { width: canvas.offsetWidth, height: canvas.offsetHeight });
  }

  function attach(box) {
    if (box.dataset.signatureReady) return;
    box.dataset.signatureReady = "1";
    const canvas = box.querySelector("canvas");
    const stored = box.querySelector('input[type="hidden"]');
    const pad = new SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)" });
    pad.addEventListener("endStroke", () => { stored.value = pad.toDataURL("image/png"); });
    box.querySelector("[data-signature-clear]").addEventListener("click", () => { pad.clear(); stored.value = ""; });
    pads.push({ canvas, resize: () => fit(canvas, pad, stored) });
  }

  function resizeAll() {
    for (let i = pads.length - 1; i >= 0; i--) {
      if (pads[i].canvas.isConnected) pads[i].resize();
      else pads.splice(i, 1);  // its dialog was closed
    }
  }

  // A consent form shows the signature box only when "signed on screen" is chosen, and the
  // name and tick only when consent is taken now.
  function showConsent(form) {
    const chosen = form.querySelector('input[name$="method"]:checked');
    const method = chosen ? chosen.value : "signature";
    const detail = form.querySelector("[data-consent-detail]");
    if (detail) detail.hidden = method === "later";
    const box = form.querySelector("[data-signature]");
    if (box) box.hidden = method !== "signature";
    resizeAll();
  }

  function setUp(root) {
    root.querySelectorAll("[data-signature]").forEach(attach);
    root.querySelectorAll("[data-consent]").forEach((form) => {
      if (form.dataset.consentReady) return;
      form.dataset.consentReady = "1";
      form.addEventListener("change", (event) => { if (event.target.name.endsWith("method")) showConsent(form); });
      showConsent(form);
    });
    resizeAll();
  }

  setUp(document);
  document.addEventListener("htmx:load", (event) => setUp(event.detail.elt));
  document.addEventListener("shown.bs.modal", resizeAll);  // a canvas in a dialog has no size until shown
  window.addEventListener("resize", resizeAll);
  window.benchdesk = Object.assign(window.benchdesk || {}, { resizeSignatures: resizeAll });
})();
