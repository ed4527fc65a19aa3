// Live counts: refresh the numbers every 15 seconds without reloading the page.
(function () {
  const box = document.getElementById("live-counts");
  async function refresh() {
    try {
      const r = await fetch("/submission/api/contests/" + box.dataset.contest + "/counts", {credentials: "same-origin"});
      if (!r.ok) return;
      const c = await r.json();
      box.querySelectorAll("#counts-status [data-status]").forEach(function (d) {
        d.querySelector(".stat").textContent = c.status[d.dataset.status] || 0; });
      [["category", "#counts-category"], ["unit", "#counts-unit"]].filter(function (p) { return c[p[0]]; }).forEach(function (p) {
        box.querySelectorAll(p[1] + " tr").forEach(function (tr) {
          const key = tr.dataset.key; if (key && c[p[0]][key] != null) tr.lastElementChild.textContent = c[p[0]][key]; });
      });
      document.getElementById("counts-updated").textContent = new Date().toLocaleTimeString("vi-VN");
    } catch (e) { /* offline: keep the last numbers */ }
  }
  setInterval(refresh, 15000);
})();
