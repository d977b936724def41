// Behaviour shared by every portal page. Loaded as a file because the
// Content-Security-Policy forbids inline scripts.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // The « Créancier » select submits its form as soon as the user picks another creditor.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  // A form with data-confirm shows a confirmation dialog before an action that is hard to undo, such as disabling a user.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  }
});
