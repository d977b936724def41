// Etat de compte: selection of invoices and their live subtotal, and
// double-click on a row to open its PDF in a new tab. The label of
// « Toutes les écritures » also follows the « Du » and « Au » dates as typed.
//
// Amounts come from data-amount-due as decimal strings ("1234.56") and are
// added as integer cents, so the subtotal never suffers float rounding.
"use strict";

const NARROW_NO_BREAK_SPACE = "\u202f";
const NO_BREAK_SPACE = "\u00a0";

// Parse "1234.56", "-12.5" or "7" into integer cents; returns null for anything else.
function parseCents(text) {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec((text || "").trim());
  if (match === null) {
    return null;
  }
  const cents = Number(match[2]) * 100 + Number((match[3] || "").padEnd(2, "0"));
  return match[1] === "-" ? -cents : cents;
}

// Format integer cents the French way: 123456 -> "1 234,56 €".
function formatCents(cents) {
  const sign = cents < 0 ? "-" : "";
  const absolute = Math.abs(cents);
  const units = String(Math.floor(absolute / 100));
  const fraction = String(absolute % 100).padStart(2, "0");
  const grouped = units.replace(/\B(?=(\d{3})+(?!\d))/g, NARROW_NO_BREAK_SPACE);
  return `${sign}${grouped},${fraction}${NO_BREAK_SPACE}€`;
}

function setUpSelection() {
  const table = document.getElementById("statement-table");
  const output = document.getElementById("selection-total");
  const selectAll = document.getElementById("select-all");
  if (table === null || output === null) {
    return;
  }
  const boxes = Array.from(table.querySelectorAll("input.row-select"));

  function refresh() {
    let total = 0;
    let checked = 0;
    for (const box of boxes) {
      if (!box.checked) {
        continue;
      }
      const cents = parseCents(box.dataset.amountDue);
      if (cents !== null) {
        total += cents;
      }
      checked += 1;
    }
    output.textContent = `Total sélectionné\u00a0: ${formatCents(total)}`;
    if (selectAll !== null) {
      selectAll.checked = boxes.length > 0 && checked === boxes.length;
      selectAll.indeterminate = checked > 0 && checked < boxes.length;
    }
  }

  for (const box of boxes) {
    box.addEventListener("change", refresh);
  }
  if (selectAll !== null) {
    selectAll.disabled = boxes.length === 0;
    selectAll.addEventListener("change", () => {
      for (const box of boxes) {
        box.checked = selectAll.checked;
      }
      refresh();
    });
  }
  refresh();
  // Going back to the page, the browser ticks again the boxes that were ticked,
  // after DOMContentLoaded and without a change event, so the total is counted
  // again once the page is shown.
  window.addEventListener("pageshow", refresh);
}

// Controls inside a row keep their own click behaviour: double-clicking a
// checkbox or the « PDF » link must not open the document a second time.
const ROW_CONTROLS = "a, button, input, label, select, textarea";

function setUpDocumentOpening() {
  const table = document.getElementById("statement-table");
  if (table === null) {
    return;
  }
  table.addEventListener("dblclick", (event) => {
    if (event.target.closest(ROW_CONTROLS) !== null) {
      return;
    }
    const row = event.target.closest("tr[data-pdf-url]");
    if (row === null || !table.contains(row)) {
      return;
    }
    // The URL comes from the server, which percent-encodes the document number.
    window.open(row.dataset.pdfUrl, "_blank", "noopener");
  });
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Format "2025-12-31" as "31/12/2025", or return null for anything else.
function frenchDate(iso) {
  const match = ISO_DATE.exec(iso);
  return match === null ? null : `${match[3]}/${match[2]}/${match[1]}`;
}

// Build the label of the all-entries view as all_view_label in gateway/portal/statement.py does:
// the default year without dates, or when they are invalid or reversed.
function allViewLabel(defaultLabel, from, to) {
  const start = from === "" ? null : frenchDate(from);
  const end = to === "" ? null : frenchDate(to);
  if ((from !== "" && start === null) || (to !== "" && end === null) || (start !== null && end !== null && from > to)) {
    return defaultLabel;
  }
  if (start !== null && end !== null) {
    return `Toutes les écritures du ${start} au ${end}`;
  }
  if (start !== null) {
    return `Toutes les écritures depuis le ${start}`;
  }
  if (end !== null) {
    return `Toutes les écritures jusqu’au ${end}`;
  }
  return defaultLabel;
}

function setUpViewLabel() {
  const select = document.getElementById("filter-view");
  const from = document.getElementById("filter-from");
  const to = document.getElementById("filter-to");
  const option = select === null ? null : select.querySelector('option[value="all"]');
  if (option === null || from === null || to === null || !select.dataset.allDefaultLabel) {
    return;
  }

  function refresh() {
    option.textContent = allViewLabel(select.dataset.allDefaultLabel, from.value, to.value);
  }

  from.addEventListener("input", refresh);
  to.addEventListener("input", refresh);
  refresh();
  // Going back to the page, the browser may fill in the dates typed before, without an input event.
  window.addEventListener("pageshow", refresh);
}

document.addEventListener("DOMContentLoaded", () => {
  setUpSelection();
  setUpDocumentOpening();
  setUpViewLabel();
});
