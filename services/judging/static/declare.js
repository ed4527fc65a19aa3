// The no-conflict declaration before an entry opens, and the recusal form beside it.
(function () {
  "use strict";
  const rid = document.getElementById("ctx").dataset.review;
  const t = JSON.parse(document.getElementById("i18n").textContent);
  const status = document.getElementById("status");
  async function post(path, body) {
    const resp = await fetch("/judging/api/reviews/" + rid + "/" + path, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body || {})});
    const data = await resp.json().catch(function () { return {}; });
    return {ok: resp.ok, data: data, status: resp.status};
  }
  document.getElementById("confirm").addEventListener("click", async function () {
    const r = await post("declaration");
    if (r.ok) { location.reload(); return; }
    status.textContent = r.data.detail || String(r.status);
  });
  const form = document.getElementById("recusal");
  if (form) form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const err = document.getElementById("f-reason-error");
    const input = document.getElementById("f-reason");
    err.hidden = true; input.removeAttribute("aria-invalid");
    const r = await post("recusal", {reason: input.value});
    if (r.ok) { status.textContent = t.recused; form.querySelector("button").disabled = true;
      document.getElementById("confirm").disabled = true; return; }
    const errors = r.data.errors || {};
    if (errors.reason) { err.textContent = errors.reason; err.hidden = false; input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "f-reason-hint f-reason-error"); input.focus(); }
    status.textContent = r.data.detail || String(r.status);
  });
})();
