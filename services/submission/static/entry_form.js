// The initiative form: keeps a copy of everything typed in localStorage (so nothing is lost
// when the network drops or the sign-in expires), saves drafts and submits through the JSON API,
// and shows each field's error next to it.
(function () {
  "use strict";
  const form = document.getElementById("entry-form");
  if (!form) return;
  const t = JSON.parse(document.getElementById("i18n").textContent);
  const statusBox = document.getElementById("form-status");
  const summary = document.getElementById("error-summary");
  const rows = document.getElementById("coauthor-rows");
  const tpl = document.getElementById("coauthor-template");
  let entryId = form.dataset.entry || null;
  // Unsaved text is kept per account (never shown to another person on a shared computer) and
  // cleared at sign-out (shared/web/static/common.js); the server copy is saved as one types.
  const account = form.dataset.account || "anonymous";
  const PREFIX = "contest-draft:";
  const storageKey = () => PREFIX + account + ":" + form.dataset.contest + ":" + (entryId || "new");
  try {
    Object.keys(localStorage).filter(function (k) { return k.startsWith(PREFIX) && !k.startsWith(PREFIX + account + ":"); })
      .forEach(function (k) { localStorage.removeItem(k); });
  } catch (e) { /* storage unavailable */ }
  const TEXT = ["title", "category", "author_unit", "author_group", "current_situation", "solution", "novelty",
                "effectiveness", "applicability", "cost"];

  function addRow(data) {
    const node = tpl.content.firstElementChild.cloneNode(true);
    const i = rows.children.length;
    node.querySelectorAll("input").forEach(function (inp) {
      const k = inp.dataset.k;
      inp.id = "f-co_authors-" + i + "-" + k;
      inp.name = "co_authors." + i + "." + k;
      inp.previousElementSibling.htmlFor = inp.id;
      inp.value = data && data[k] != null ? data[k] : "";
    });
    node.querySelector(".remove-coauthor").addEventListener("click", function () { node.remove(); renumber(); keep(); });
    rows.appendChild(node);
  }
  function renumber() {
    Array.from(rows.children).forEach(function (row, i) {
      row.querySelectorAll("input").forEach(function (inp) {
        inp.id = "f-co_authors-" + i + "-" + inp.dataset.k;
        inp.name = "co_authors." + i + "." + inp.dataset.k;
        inp.previousElementSibling.htmlFor = inp.id;
      });
    });
  }
  function collect() {
    const out = {};
    TEXT.forEach(function (k) { const el = form.elements[k]; out[k] = el ? el.value : ""; });
    out.commitment = document.getElementById("f-commitment").checked;
    out.co_authors = Array.from(rows.children).map(function (row) {
      const c = {};
      row.querySelectorAll("input").forEach(function (inp) {
        c[inp.dataset.k] = inp.dataset.k === "contribution_pct" ? (inp.value === "" ? null : Number(inp.value)) : inp.value;
      });
      return c;
    });
    return out;
  }
  function fill(data) {
    TEXT.forEach(function (k) { if (form.elements[k] && data[k] != null) form.elements[k].value = data[k]; });
    document.getElementById("f-commitment").checked = !!data.commitment;
    rows.innerHTML = "";
    (data.co_authors || []).forEach(addRow);
  }
  function keep() {
    try { localStorage.setItem(storageKey(), JSON.stringify({at: Date.now(), fields: collect()})); } catch (e) { /* full */ }
  }
  function say(msg) { statusBox.textContent = msg; }
  function clearErrors() {
    summary.hidden = true; summary.querySelector("ul").innerHTML = "";
    form.querySelectorAll(".error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
  }
  function showErrors(errors) {
    const ul = summary.querySelector("ul");
    // In the order of the form, so the summary reads top to bottom like the page.
    const order = Array.from(form.querySelectorAll("[id^='f-']")).map(function (el) { return el.id; });
    const at = function (key) { const i = order.indexOf("f-" + key.split(".").join("-")); return i < 0 ? 1e6 : i; };
    Object.keys(errors).sort(function (a, b) { return at(a) - at(b); }).forEach(function (key) {
      const id = "f-" + key.split(".").join("-");
      const li = document.createElement("li");
      const label = document.querySelector('label[for="' + id + '"]');
      const name = label ? label.textContent.replace("*", "").trim() : "";
      const a = document.createElement("a"); a.href = "#" + id; a.textContent = (name ? name + ": " : "") + errors[key];
      li.appendChild(a); ul.appendChild(li);
      const input = document.getElementById(id);
      if (!input) return;
      input.setAttribute("aria-invalid", "true");
      const wrap = input.closest(".field"); if (wrap) wrap.classList.add("has-error");
      let p = document.getElementById(id + "-error") || (wrap && wrap.querySelector(".error"));
      if (!p && wrap) { p = document.createElement("p"); p.className = "error"; p.id = id + "-error"; wrap.insertBefore(p, input); }
      if (p) { p.id = id + "-error"; p.textContent = errors[key]; p.hidden = false;
        const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (x) { return x && x !== p.id; });
        input.setAttribute("aria-describedby", described.concat([p.id]).join(" ")); }
    });
    summary.hidden = false; summary.focus();
  }
  // One key per creation, repeated on every retry: a retry returns what the first request created.
  function newKey() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  }
  let creationKey = newKey();
  // The sign-in expired: what was typed stays on this device (per account); signing in again
  // comes back to this page, which restores it and saves it to the server.
  function expired() {
    say(t.expired);
    const again = document.getElementById("signin-again");
    again.querySelector("a").href = "/identity/signin?next=" + encodeURIComponent(location.pathname);
    again.hidden = false;
  }
  async function call(method, url, body, quiet) {
    let resp;
    try {
      resp = await fetch(url, {method: method, credentials: "same-origin",
        headers: Object.assign({"Content-Type": "application/json", "Accept": "application/json"},
          method === "POST" && body !== undefined ? {"Idempotency-Key": creationKey} : {}),
        body: body === undefined ? undefined : JSON.stringify(body)});
    } catch (e) { say(t.offline); return null; }
    if (resp.status === 401) { expired(); return null; }
    const data = await resp.json().catch(function () { return {}; });
    if (!resp.ok) {
      if (quiet) { say(t.autosave_failed); return null; }
      say("");  // no stale "saved at" beside errors
      if (data.errors) showErrors(data.errors);
      else { summary.querySelector("ul").innerHTML = ""; const li = document.createElement("li");
        li.textContent = data.detail || String(resp.status); summary.querySelector("ul").appendChild(li);
        summary.hidden = false; summary.focus(); }
      return null;
    }
    return data;
  }
  let saving = null;
  async function save(quiet) {
    if (!quiet && saving) await saving.catch(function () { return null; });  // never two saves at once
    if (!quiet) clearErrors();
    keep();
    const fields = collect();
    const data = entryId
      ? await call("PUT", "/submission/api/entries/" + entryId, fields, quiet)
      : await call("POST", "/submission/api/contests/" + form.dataset.contest + "/entries", fields, quiet);
    if (!data) return null;
    if (!entryId) {
      const old = storageKey(); entryId = data.entry_id; form.dataset.entry = entryId;
      localStorage.removeItem(old);
      history.replaceState(null, "", "/submission/entries/" + entryId);
    }
    localStorage.removeItem(storageKey());
    say((quiet ? t.autosaved : t.saved) + " " + new Date().toLocaleTimeString("vi-VN"));
    return data;
  }
  // Autosave: a draft is saved to the server a few seconds after typing stops, once it has a
  // title (so opening the form never creates an empty draft). A submitted entry is saved by hand.
  let timer = null;
  function autosave() {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      if (form.dataset.status !== "draft" || form.hasAttribute("inert")) return;
      if ((form.elements.title.value || "").trim().length < 5 || saving) return;
      saving = save(true);
      try { await saving; } finally { saving = null; }
    }, 4000);
  }
  document.getElementById("add-coauthor").addEventListener("click", function () { addRow({}); keep(); });
  document.getElementById("save-draft").addEventListener("click", function () { clearTimeout(timer); save(false); });
  document.getElementById("submit-entry").addEventListener("click", async function () {
    clearTimeout(timer);
    if (saving) await saving.catch(function () { return null; });
    if (!entryId) {
      // Created and submitted in one request: the server checks everything first, so a form with
      // errors creates no blank draft.
      clearErrors(); keep();
      const created = await call("POST", "/submission/api/contests/" + form.dataset.contest + "/entries?submit=true", collect());
      if (!created) return;
      localStorage.removeItem(storageKey());
      entryId = created.entry_id; form.dataset.entry = entryId; form.dataset.status = created.status;
      history.replaceState(null, "", "/submission/entries/" + entryId);
      document.getElementById("receipt-code").textContent = created.code;
      document.getElementById("receipt").hidden = false;
      document.getElementById("receipt").scrollIntoView();
      say(t.submitted);
      return;
    }
    const saved = await save(false);
    if (!saved) return;
    if (form.dataset.status === "submitted") { say(t.submitted); return; }
    const data = await call("POST", "/submission/api/entries/" + entryId + "/submit");
    if (!data) return;
    form.dataset.status = data.status;
    document.getElementById("receipt-code").textContent = data.code;
    document.getElementById("receipt").hidden = false;
    document.getElementById("receipt").scrollIntoView();
    say(t.submitted);
  });
  form.addEventListener("input", function (ev) { if (ev.target.type !== "file") { keep(); autosave(); } });

  // Attachments: sent as the raw body (the server checks size and real type: 413 / 415).
  const fileInput = document.getElementById("f-attachments");
  const list = document.getElementById("attachment-list");
  function fileError(msg) {
    const p = document.getElementById("f-attachments-error");
    p.textContent = msg; p.hidden = !msg;
    if (msg) fileInput.setAttribute("aria-invalid", "true"); else fileInput.removeAttribute("aria-invalid");
  }
  function listFile(ref) {
    const li = document.createElement("li"); li.dataset.file = ref.file_id;
    const a = document.createElement("a"); a.href = "/submission/api/attachments/" + ref.file_id; a.textContent = ref.filename;
    const b = document.createElement("button"); b.type = "button"; b.className = "link remove-attachment"; b.textContent = t.remove;
    li.appendChild(a); li.appendChild(document.createTextNode(" (" + Math.round(ref.size / 1024) + " KB) ")); li.appendChild(b);
    list.appendChild(li);
  }
  if (fileInput) fileInput.addEventListener("change", async function () {
    const file = fileInput.files[0];
    if (!file) return;
    fileError("");
    if (!entryId && !(await save(false))) return;
    say(t.uploading);
    let resp;
    try {
      resp = await fetch("/submission/api/entries/" + entryId + "/attachments?filename=" + encodeURIComponent(file.name),
        {method: "POST", credentials: "same-origin", body: file,
         headers: {"Content-Type": "application/octet-stream", "Accept": "application/json", "Idempotency-Key": newKey()}});
    } catch (e) { say(t.offline); return; }
    if (resp.status === 401) { expired(); return; }
    const data = await resp.json().catch(function () { return {}; });
    fileInput.value = "";
    if (!resp.ok) { fileError((data.errors && data.errors.attachments) || data.detail || String(resp.status)); say(""); return; }
    listFile(data); say(t.uploaded);
  });
  if (list) list.addEventListener("click", async function (ev) {
    const b = ev.target.closest(".remove-attachment");
    if (!b) return;
    const li = b.closest("li");
    const resp = await fetch("/submission/api/entries/" + entryId + "/attachments/" + li.dataset.file,
      {method: "DELETE", credentials: "same-origin", headers: {"Accept": "application/json"}}).catch(function () { return null; });
    if (resp && resp.ok) li.remove();
    else if (resp) { const d = await resp.json().catch(function () { return {}; }); fileError(d.detail || String(resp.status)); }
    else say(t.offline);
  });
  const withdrawBtn = document.getElementById("withdraw-entry");
  if (withdrawBtn) withdrawBtn.addEventListener("click", async function () {
    if (!window.confirm(t.confirm_withdraw)) return;
    const data = await call("POST", "/submission/api/entries/" + entryId + "/withdraw");
    if (data) { localStorage.removeItem(storageKey()); location.reload(); }
  });

  fill(Object.assign(collect(), {co_authors: JSON.parse(document.getElementById("initial-coauthors").textContent)}));
  const stored = localStorage.getItem(storageKey());
  if (stored) {
    try {
      const s = JSON.parse(stored); fill(s.fields);
      if (form.dataset.status === "draft") { say(t.restored_saving); autosave(); } else { say(t.restored); }
    } catch (e) { localStorage.removeItem(storageKey()); }
  }
})();
