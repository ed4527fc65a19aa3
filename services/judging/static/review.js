// The score sheet: live total, save as draft, submit; each criterion's error shown beside it.
(function () {
  "use strict";
  const form = document.getElementById("sheet");
  if (!form) return;
  const t = JSON.parse(document.getElementById("i18n").textContent);
  const criteria = JSON.parse(document.getElementById("criteria").textContent);
  const status = document.getElementById("sheet-status");
  function total() {
    let s = 0, w = 0, m = 0;
    criteria.forEach(function (c) {
      if (!c.required) return;
      const input = form.elements[c.key];
      const v = parseFloat(input.value);
      const outside = !isNaN(v) && (v < 0 || v > c.max_points);  // never counted: the server refuses it too
      if (outside) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
      if (!isNaN(v) && !outside) s += v * c.weight;
      w += c.weight * c.max_points; m += c.max_points;
    });
    document.getElementById("total").textContent = w ? (s * m / w).toLocaleString("vi-VN", {maximumFractionDigits: 2}) : "—";
  }
  async function send(submit) {
    form.querySelectorAll(".error").forEach(function (p) { p.hidden = true; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    const body = {scores: {}, comments: {}, overall: form.elements.overall.value, submit: submit};
    criteria.forEach(function (c) {
      const raw = form.elements[c.key].value;
      body.scores[c.key] = raw === "" ? null : Number(raw);
      body.comments[c.key] = form.elements["comment-" + c.key].value;
    });
    let resp;
    try {
      resp = await fetch("/judging/api/reviews/" + form.dataset.review + "/sheet", {method: "PUT",
        credentials: "same-origin", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    } catch (e) { status.textContent = String(e); return; }
    if (resp.status === 401) { status.textContent = t.expired; return; }
    const data = await resp.json().catch(function () { return {}; });
    if (!resp.ok) {
      const errors = data.errors || {};
      Object.keys(errors).forEach(function (k) {
        const p = document.getElementById("f-" + k + "-error");
        const input = document.getElementById("f-" + k);
        if (p) { p.textContent = errors[k]; p.hidden = false; }
        if (input) { input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", "f-" + k + "-hint f-" + k + "-error"); }
      });
      status.textContent = data.detail || String(resp.status);
      const first = form.querySelector("[aria-invalid]"); if (first) first.focus();
      return;
    }
    status.textContent = data.status === "submitted" ? t.submitted : t.saved;
    if (data.status === "submitted" && save) { save.hidden = true; }
    if (data.status === "submitted") { const next = document.getElementById("next-entry"); if (next) next.hidden = false; }
  }
  form.addEventListener("input", total);
  const save = document.getElementById("save");
  if (save) save.addEventListener("click", function () { send(false); });
  document.getElementById("submit").addEventListener("click", function () { send(true); });
  total();
})();
