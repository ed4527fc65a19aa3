// Organiser's contest set-up: builds the JSON the API takes (times typed in Vietnam time,
// sent with their +07:00 offset), shows field errors next to the inputs.
(function () {
  "use strict";
  const t = JSON.parse(document.getElementById("i18n").textContent);
  const statusBox = document.getElementById("form-status");
  const summary = document.getElementById("error-summary");
  const form = document.getElementById("contest-form");
  const id = form ? form.dataset.contest : "";
  let extending = false;
  const vn = function (v) { return v ? v + ":00+07:00" : null; };
  const lines = function (v) { return v.split("\n").map(function (s) { return s.trim(); }).filter(Boolean); };

  function clearErrors() {
    summary.hidden = true; summary.querySelector("ul").innerHTML = "";
    document.querySelectorAll(".error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    document.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }
  function showErrors(body, status) {
    const ul = summary.querySelector("ul");
    const errors = body.errors || {};
    if (!Object.keys(errors).length) errors["_"] = body.detail || String(status);
    Object.keys(errors).forEach(function (key) {
      const name = key.split(".")[0] === "categories" ? "categories" : key;
      const fid = "f-" + (extending && name === "closes_at" ? "new_closes_at" : name);
      const li = document.createElement("li"); const a = document.createElement("a");
      a.href = "#" + fid; a.textContent = errors[key]; li.appendChild(a); ul.appendChild(li);
      const input = document.getElementById(fid);
      if (!input) return;
      input.setAttribute("aria-invalid", "true");
      const wrap = input.closest(".field");
      let p = document.getElementById(fid + "-error");
      if (!p && wrap) { p = document.createElement("p"); p.className = "error"; p.id = fid + "-error"; wrap.insertBefore(p, input); }
      if (p) { p.textContent = errors[key]; p.hidden = false; input.setAttribute("aria-describedby", p.id); }
    });
    summary.hidden = false; summary.focus();
  }
  // One key per creation, repeated on every retry: a retry returns what the first request created.
  function newKey() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  }
  let creationKey = newKey();
  async function call(method, url, body) {
    clearErrors();
    let resp;
    try {
      resp = await fetch(url, {method: method, credentials: "same-origin",
        headers: Object.assign({"Content-Type": "application/json", "Accept": "application/json"},
          method === "POST" && body !== undefined ? {"Idempotency-Key": creationKey} : {}),
        body: body === undefined ? undefined : JSON.stringify(body)});
    } catch (e) { showErrors({detail: t.offline}, 0); return null; }
    const data = await resp.json().catch(function () { return {}; });
    if (!resp.ok) { showErrors(data, resp.status); return null; }
    return data;
  }
  function collect() {
    const f = form.elements;
    const out = {
      code: f.code.value.trim(), name: f.name.value.trim(), issuing_body: f.issuing_body.value.trim(),
      description: f.description.value, rules_text: f.rules_text.value,
      categories: lines(f.categories.value).map(function (l) {
        const parts = l.split("|"); return {key: parts[0].trim(), name: (parts[1] || parts[0]).trim()}; }),
      eligible_groups: lines(f.eligible_groups.value),
      opens_at: vn(f.opens_at.value), closes_at: vn(f.closes_at.value),
      max_coauthors: Number(f.max_coauthors.value), max_file_mb: Number(f.max_file_mb.value),
      max_files: Number(f.max_files.value), max_entries_per_participant: Number(f.max_entries_per_participant.value),
      allowed_types: Array.from(form.querySelectorAll("input[name=allowed_types]:checked")).map(function (i) { return i.value; })
    };
    if (form.dataset.revision) out.expected_revision = Number(form.dataset.revision);
    else out.status = f.as_draft && f.as_draft.checked ? "draft" : "open";
    return out;
  }
  if (form) form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    extending = false;
    const existing = form.dataset.contest;
    const data = existing ? await call("PUT", "/submission/api/contests/" + existing, collect())
                          : await call("POST", "/submission/api/contests", collect());
    if (!data) return;
    location.href = "/submission/manage/contests/" + data.contest_id + "?saved=1";
  });
  const extend = document.getElementById("extend-form");
  if (extend) extend.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    extending = true;
    const data = await call("POST", "/submission/api/contests/" + id + "/extend",
      {closes_at: vn(extend.elements.new_closes_at.value), reason: extend.elements.reason.value});
    if (data) location.href = location.pathname + "?saved=1";
  });
  document.querySelectorAll("button.action").forEach(function (b) {
    b.addEventListener("click", async function () {
      if (b.dataset.action === "close" && !window.confirm(t.confirm_close)) return;
      const data = await call("POST", "/submission/api/contests/" + id + "/" + b.dataset.action);
      if (data) location.href = location.pathname + "?saved=1";
    });
  });
  if (new URLSearchParams(location.search).get("saved")) { statusBox.textContent = t.saved; statusBox.hidden = false; }
})();
