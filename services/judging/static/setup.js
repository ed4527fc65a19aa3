// Organiser's judging set-up: rubric, rounds, feedback to authors and panel, each saved through the JSON API.
(function () {
  "use strict";
  const rubricForm = document.getElementById("rubric-form");
  if (!rubricForm) return;
  const cid = rubricForm.dataset.contest;
  const t = JSON.parse(document.getElementById("i18n").textContent);
  const status = document.getElementById("setup-status");
  async function put(path, body, errBox) {
    errBox.hidden = true;
    const resp = await fetch("/judging/api/contests/" + cid + "/" + path, {method: "PUT", credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    const data = await resp.json().catch(function () { return {}; });
    if (resp.ok) { status.textContent = t.saved; return data; }
    const errors = data.errors || {};
    errBox.textContent = [data.detail || String(resp.status)].concat(Object.keys(errors).map(function (k) { return errors[k]; })).join(" ");
    errBox.hidden = false; errBox.focus && errBox.focus();
    return null;
  }
  function num(v) { return v === "" ? null : Number(v); }
  document.getElementById("add-criterion").addEventListener("click", function () {
    const body = rubricForm.querySelector("tbody");
    const row = body.rows[body.rows.length - 1].cloneNode(true);
    row.querySelectorAll("input, textarea").forEach(function (el) {
      if (el.type === "checkbox") { el.checked = true; } else if (el.name === "weight") { el.value = "1"; } else { el.value = ""; }
      el.setAttribute("aria-label", el.getAttribute("aria-label").replace(/\d+$/, String(body.rows.length + 1)));
    });
    body.appendChild(row); row.querySelector("input").focus();
  });
  rubricForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const criteria = Array.from(rubricForm.querySelectorAll("tbody tr")).map(function (tr) {
      const f = function (n) { return tr.querySelector("[name=" + n + "]"); };
      return {key: f("key").value.trim(), name: f("name").value.trim(), description: f("description").value,
        max_points: num(f("max_points").value), weight: num(f("weight").value), required: f("required").checked};
    }).filter(function (c) { return c.key || c.name; });
    if (await put("rubric", {criteria: criteria}, document.getElementById("rubric-error"))) location.reload();
  });
  const roundsForm = document.getElementById("rounds-form");
  function toggle() {
    const two = roundsForm.elements.count.value === "2";
    roundsForm.querySelectorAll(".round2").forEach(function (el) { el.hidden = !two; });
  }
  roundsForm.elements.count.addEventListener("change", toggle); toggle();
  roundsForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const e = roundsForm.elements;
    const rounds = [{judges_per_entry: num(e.k1.value)}];
    if (e.count.value === "2") {
      rounds[0].advance_top_n = num(e.top.value); rounds[0].advance_min_total = num(e.min.value);
      rounds.push({judges_per_entry: num(e.k2.value)});
    }
    await put("rounds", {rounds: rounds, standardised: e.standardised.checked, disagreement_threshold: num(e.threshold.value)},
      document.getElementById("rounds-error"));
  });
  document.getElementById("feedback-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    await put("feedback", {publish: document.getElementById("f-feedback").checked}, document.getElementById("feedback-error"));
  });
  document.getElementById("panel-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const ids = Array.from(ev.target.querySelectorAll("input[name=judge]:checked")).map(function (c) { return c.value; });
    await put("panel", {judge_ids: ids}, document.getElementById("panel-error"));
  });
})();
