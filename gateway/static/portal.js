// Behaviour shared by every portal page. Loaded as a file because the
// Content-Security-Policy forbids inline scripts.
"use strict";

// Fold the main menu behind the « Menu » button of the top bar. portal.css hides the folded menu and shows
// the button only below 700 px, so a wider window keeps its open left menu whatever the button's state.
function setUpMenuToggle() {
  const button = document.getElementById("menu-toggle");
  const menu = document.getElementById("main-menu");
  if (button === null || menu === null) {
    return;
  }

  function setExpanded(expanded) {
    button.setAttribute("aria-expanded", String(expanded));
    menu.classList.toggle("menu-open", expanded);
  }

  menu.classList.add("menu-foldable");
  button.hidden = false;
  setExpanded(false);
  button.addEventListener("click", () => {
    setExpanded(button.getAttribute("aria-expanded") !== "true");
  });
  // Escape closes the open menu from the button or from one of its links, and gives the focus back to the
  // button. A wider window shows no button, so there Escape leaves the menu and the focus alone.
  for (const element of [button, menu]) {
    element.addEventListener("keydown", (event) => {
      const buttonShown = button.getClientRects().length > 0;
      if (event.key === "Escape" && buttonShown && button.getAttribute("aria-expanded") === "true") {
        setExpanded(false);
        button.focus();
      }
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpMenuToggle();
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
