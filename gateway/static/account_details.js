// Informations compte: « Modifier » turns the read-only form into the edit form in place.
//
// The read-only page shows the IBAN masked. When the bank part may be edited,
// the form's data-bank-url points to the JSON API route that returns the full
// bank details, which fill the bank inputs before they become editable. If that
// request fails, the link's own target (?mode=modification) lets the server
// render the edit form instead.
"use strict";

const BANK_FIELD_NAMES = ["bank_code", "branch_code", "account_number", "rib_key", "iban", "bic"];

async function fetchBankDetails(url) {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) {
    throw new Error(`GET ${url} returned ${response.status}`);
  }
  const body = await response.json();
  return body.bank_details || {};
}

function fillBankFields(form, details) {
  for (const name of BANK_FIELD_NAMES) {
    const input = form.elements.namedItem(name);
    if (input !== null) {
      input.value = typeof details[name] === "string" ? details[name] : "";
      input.removeAttribute("placeholder");
    }
  }
}

function makeEditable(form) {
  for (const element of form.querySelectorAll("[data-editable]")) {
    element.readOnly = false;
    element.disabled = false;
    // Read-only fields stay out of the Tab order until they become editable.
    element.removeAttribute("tabindex");
  }
  form.dataset.mode = "modification";
  const reauthentication = document.getElementById("bank-reauthentication");
  if (reauthentication !== null) {
    reauthentication.hidden = false;
  }
  document.getElementById("send-changes").disabled = false;
  document.getElementById("edit-mode-link").hidden = true;
  document.getElementById("cancel-edit").hidden = false;
  const first = form.querySelector("[data-editable]");
  if (first !== null) {
    first.focus();
  }
}

function setUpEditMode() {
  const form = document.getElementById("account-details-form");
  const link = document.getElementById("edit-mode-link");
  if (form === null || link === null || form.dataset.mode !== "lecture") {
    return;
  }
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    if (form.dataset.bankUrl) {
      try {
        fillBankFields(form, await fetchBankDetails(form.dataset.bankUrl));
      } catch (error) {
        window.location.assign(link.href);
        return;
      }
    }
    makeEditable(form);
  });
}

document.addEventListener("DOMContentLoaded", setUpEditMode);
