// Organiser's judging page: release/close rounds, reminders, and progress polled every 3 s.
(function () {
  "use strict";
  const box = document.getElementById("rounds");
  if (!box) return;
  const cid = box.dataset.contest;
  const t = JSON.parse(document.getElementById("i18n").textContent);
  const err = document.getElementById("round-error");
  const lang = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
  function fmt(v) { return v === null || v === undefined ? "—" : v.toLocaleString(lang, {minimumFractionDigits: 2, maximumFractionDigits: 2}); }
  async function call(method, url, body, headers) {
    const resp = await fetch(url, {method: method, credentials: "same-origin",
      headers: Object.assign({"Content-Type": "application/json"}, headers || {}),
      body: body === undefined ? undefined : JSON.stringify(body)});
    const data = await resp.json().catch(function () { return {}; });
    return {ok: resp.ok, status: resp.status, data: data};
  }
  async function act(b, action, body) {
    const label = b.textContent;
    b.disabled = true; b.textContent = t.working; b.setAttribute("aria-busy", "true");
    const r = await call("POST", "/judging/api/contests/" + cid + "/rounds/" + b.dataset.round + "/" + action, body);
    if (r.ok) { location.reload(); return; }
    b.disabled = false; b.textContent = label; b.removeAttribute("aria-busy");
    err.textContent = r.data.detail || String(r.status); err.hidden = false; err.focus();
  }
  document.querySelectorAll("[data-action]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (!window.confirm(b.dataset.action === "close" ? t.confirm_close : t.confirm_release)) return;
      act(b, b.dataset.action, {});
    });
  });
  const reopen = document.getElementById("reopen-button");
  if (reopen) reopen.addEventListener("click", function () {
    const reason = document.getElementById("reopen-reason");
    if (reason.value.trim().length < 5) {
      reason.setAttribute("aria-invalid", "true");
      err.textContent = t.reason_needed; err.hidden = false; reason.focus(); return;
    }
    act(reopen, "reopen", {reason: reason.value.trim()});
  });
  const dlForm = document.getElementById("deadline-form");
  if (dlForm) dlForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const v = document.getElementById("deadline").value;
    // The end of the chosen day in Vietnam (UTC+7), the way provinces state deadlines.
    const r = await call("PUT", "/judging/api/contests/" + cid + "/rounds/" + dlForm.dataset.round + "/deadline",
      {deadline: v ? v + "T23:59:59+07:00" : null, remind_days_before: Number(document.getElementById("remind-days").value || "0")});
    const out = document.getElementById("deadline-status");
    if (r.ok) { out.textContent = t.saved; err.hidden = true; }
    else { out.textContent = ""; err.textContent = r.data.detail || String(r.status); err.hidden = false; err.focus(); }
  });
  document.querySelectorAll("[data-remind]").forEach(function (b) {
    b.addEventListener("click", async function () {
      // One reminder per click: the button waits for the answer, and the key makes a retried request send nothing twice.
      if (b.disabled) return;
      b.disabled = true; b.setAttribute("aria-busy", "true");
      const key = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random().toString(36).slice(2);
      const r = await call("POST", "/judging/api/contests/" + cid + "/judges/" + b.dataset.remind + "/reminders", {},
        {"Idempotency-Key": key});
      b.disabled = false; b.removeAttribute("aria-busy");
      const out = b.parentElement.querySelector("[data-col=reminders]");
      if (r.ok) { out.textContent = t.reminded; } else { out.textContent = r.data.detail || String(r.status); }
    });
  });
  async function poll() {
    const table = document.getElementById("entries-table");  // only the rows of the page shown
    const r = await call("GET", "/judging/api/contests/" + cid + "/progress?offset=" +
      encodeURIComponent(table.dataset.offset || "0") + "&limit=" + encodeURIComponent(table.dataset.limit || "50"));
    if (!r.ok) return;
    const p = r.data;
    document.getElementById("scored").textContent = p.scored;
    document.getElementById("entries").textContent = p.entries;
    Object.keys(p.judges).forEach(function (jid) {
      const row = document.querySelector('#judges-table tr[data-judge="' + jid + '"]');
      if (!row) return;
      row.children[1].textContent = p.judges[jid].assigned;
      row.children[2].textContent = p.judges[jid].draft;
      row.children[3].textContent = p.judges[jid].submitted;
    });
    p.items.forEach(function (e) {
      const row = document.querySelector('#entries-table tr[data-entry="' + e.entry_id + '"]');
      if (!row) return;
      row.querySelector("[data-col=submitted]").textContent = e.submitted + " / " + e.judges;
      row.querySelector("[data-col=total]").textContent = fmt(e.official_total);
      row.querySelector("[data-col=flag]").textContent = e.disagreement ? t.discuss : "";
    });
  }
  if (document.getElementById("progress")) setInterval(poll, 3000);
})();
