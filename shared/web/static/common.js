// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can forbid inline scripts.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
