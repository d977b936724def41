// Behaviour shared by every portal page. Loaded as a file because the
// Content-Security-Policy forbids inline scripts.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // The « Créancier » form is sent by its « Changer » button or by Enter on the select, never on
  // change: Chromium fires change for each arrow key on a closed select.
  for (const select of document.querySelectorAll("select[data-submit-on-enter]")) {
    select.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        select.form.requestSubmit();
      }
    });
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
