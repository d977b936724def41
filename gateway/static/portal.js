// Behaviour shared by every portal page. Loaded as a file because the
// Content-Security-Policy forbids inline scripts.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // The « Créancier » select submits its form as soon as the user picks another creditor.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
});
