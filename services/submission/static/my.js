// "Sáng kiến của tôi": a participant asks for a review of an ineligible decision.
document.querySelectorAll("form.ask-review").forEach(function (form) {
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const err = form.querySelector(".error");
    const resp = await fetch("/submission/api/entries/" + form.dataset.entry + "/review-request", {
      method: "POST", headers: {"Content-Type": "application/json", "Accept": "application/json"},
      credentials: "same-origin", body: JSON.stringify({reason: form.reason.value.trim()})});
    if (resp.ok) { location.reload(); return; }
    const body = await resp.json().catch(function () { return {}; });
    err.textContent = (body.errors && Object.values(body.errors)[0]) || body.detail || resp.status;
    err.hidden = false;
    form.reason.setAttribute("aria-invalid", "true");
  });
});
