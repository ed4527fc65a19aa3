// Recompute a published result from its inputs file and compare the hash.
const t = JSON.parse(document.getElementById("verify-i18n").textContent);
document.getElementById("hash-form").addEventListener("submit", async function (ev) {
  ev.preventDefault();
  const out = document.getElementById("hash-result");
  const file = document.getElementById("inputs-file").files[0];
  if (!file) { out.textContent = t.m0; return; }
  const resp = await fetch("/awards/api/public/verify-result?result_hash=" + encodeURIComponent(document.getElementById("expected").value.trim()),
    {method: "POST", headers: {"Content-Type": "application/json"}, body: await file.arrayBuffer()});
  const data = await resp.json().catch(function () { return {}; });
  if (!resp.ok) { out.textContent = data.detail || resp.status; out.className = "error"; return; }
  out.className = data.valid ? "flash" : "error";
  out.textContent = (data.valid ? t.m1 : t.m2) + " " + data.computed_hash;
});
