// Screening decisions, sent to the JSON API.
document.querySelectorAll("form.screen").forEach(function (form) {
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const eligible = ev.submitter && ev.submitter.value === "true";
    const err = form.querySelector(".error");
    const resp = await fetch("/submission/api/entries/" + form.dataset.entry + "/screening", {
      method: "POST", headers: {"Content-Type": "application/json"}, credentials: "same-origin",
      body: JSON.stringify({eligible: eligible, reason: form.reason.value})});
    if (resp.ok) { location.reload(); return; }
    const body = await resp.json().catch(function () { return {}; });
    err.textContent = (body.errors && Object.values(body.errors)[0]) || body.detail || resp.status;
    err.hidden = false;
  });
});
