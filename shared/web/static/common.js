// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can forbid inline scripts.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
// Signing out clears what forms kept on this computer, so the next person sees none of it.
document.querySelectorAll('form[action="/identity/signout"]').forEach(function (form) {
  form.addEventListener("submit", function () {
    try {
      Object.keys(localStorage).filter(function (k) { return k.startsWith("contest-draft:"); })
        .forEach(function (k) { localStorage.removeItem(k); });
    } catch (e) { /* storage unavailable */ }
  });
});
