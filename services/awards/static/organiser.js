// The organiser's prize, override, approval and announcement forms (JSON API calls).
(function () {
  const page = document.getElementById("organiser-page");
  if (!page) return;
  const base = "/awards/api/contests/" + encodeURIComponent(page.dataset.contest);
  async function send(method, url, body, box) {
    const resp = await fetch(url, {method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, body: body === null ? null : JSON.stringify(body)});
    if (resp.ok) { location.reload(); return; }
    const data = await resp.json().catch(function () { return {}; });
    const errors = data.errors || {};
    document.querySelectorAll("[data-error-for]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    const lines = Object.keys(errors).length ? Object.values(errors) : [data.detail || String(resp.status)];
    box.innerHTML = "";
    const p = document.createElement("p"); p.textContent = data.detail || String(resp.status); box.appendChild(p);
    const ul = document.createElement("ul");
    lines.forEach(function (m) { const li = document.createElement("li"); li.textContent = m; ul.appendChild(li); });
    box.appendChild(ul); box.hidden = false; box.setAttribute("tabindex", "-1"); box.focus();
    return errors;
  }
  const prizes = document.getElementById("prizes-form");
  if (prizes) prizes.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const tiers = [];
    prizes.querySelectorAll("tr.tier-row").forEach(function (tr) {
      const v = function (n) { return tr.querySelector("[name=" + n + "]").value.trim(); };
      if (!v("key") && !v("name")) return;
      tiers.push({key: v("key"), name: v("name"), name_en: v("name_en"), count: Number(v("count") || 0),
        prize_vnd: Number(v("prize_vnd") || 0), min_score: Number(v("min_score") || 0), category: v("category") || null});
    });
    const chain = Array.from(prizes.querySelectorAll("select.tie-break")).map(function (s) { return s.value; })
      .filter(function (x) { return x; });
    send("PUT", base + "/prizes", {tiers: tiers, tie_break: chain, place: prizes.place.value,
      signer_name: prizes.signer_name.value, signer_title: prizes.signer_title.value},
      document.getElementById("prizes-error"));
  });
  const ov = document.getElementById("override-form");
  if (ov) ov.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const errors = await send("POST", base + "/overrides", {entry_id: ov.entry_id.value, tier_key: ov.tier_key.value || null,
      position: ov.position.value ? Number(ov.position.value) : null, reason: ov.reason.value},
      document.getElementById("override-error"));
    if (errors && errors.reason) { ov.reason.setAttribute("aria-invalid", "true"); }
  });
  document.querySelectorAll("button.remove-override").forEach(function (b) {
    b.addEventListener("click", function () {
      send("DELETE", base + "/overrides/" + encodeURIComponent(b.dataset.entry), null,
        document.getElementById("approval-error"));
    });
  });
  const ap = document.getElementById("approve-form");
  if (ap) ap.addEventListener("submit", function (ev) {
    ev.preventDefault();
    send("POST", base + "/approve", {confirm: ap.confirm.checked, result_hash: ap.dataset.hash},
      document.getElementById("approval-error"));
  });
  const an = document.getElementById("announce-form");
  if (an) an.addEventListener("submit", function (ev) {
    ev.preventDefault();
    send("POST", base + "/announce", {confirm: an.confirm.checked}, document.getElementById("approval-error"));
  });
})();
