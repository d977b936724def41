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

// Make each .table-scroll box a Tab stop only while its table is wider than the box, so that keyboard users can
// scroll it there and skip it where it cannot scroll, as with the cards of a phone. The box keeps its region role
// and name at every width. Without JavaScript the tabindex of the markup keeps it a Tab stop at every width.
function setUpScrollableTables() {
  const boxes = document.querySelectorAll(".table-scroll");
  if (boxes.length === 0 || typeof ResizeObserver === "undefined") {
    return;
  }

  function updateTabStop(box) {
    if (box.scrollWidth > box.clientWidth) {
      box.setAttribute("tabindex", "0");
    } else {
      box.removeAttribute("tabindex");
    }
  }

  // The box resizes with the window, and its table with its rows and with the layout that the width selects.
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const box = entry.target.closest(".table-scroll");
      if (box !== null) {
        updateTabStop(box);
      }
    }
  });
  for (const box of boxes) {
    observer.observe(box);
    for (const child of box.children) {
      observer.observe(child);
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpMenuToggle();
  setUpScrollableTables();
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
  // A submit button may carry its own data-confirm, which replaces the form's, as « Refuser » and « Valider » do in
  // the one form of a bank-change request.
  for (const form of document.querySelectorAll("form[data-confirm], form:has([data-confirm])")) {
    form.addEventListener("submit", (event) => {
      const message = event.submitter?.dataset.confirm ?? form.dataset.confirm;
      if (message !== undefined && !window.confirm(message)) {
        event.preventDefault();
      }
    });
  }
});
