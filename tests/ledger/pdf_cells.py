"""Find text drawn wider than its fpdf2 cell, for the layout tests of the PDFs."""

import pytest
from fpdf import FPDF

# Margin for the floating-point error of a font size scaled to fit, in mm.
WIDTH_TOLERANCE = 0.01


def record_overflowing_cells(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Patch `FPDF.cell` to list every text wider than its cell minus the cell's padding.

    The returned list fills while PDFs are drawn. A cell of width 0 runs to
    the right margin, so it is not checked.
    """
    overflows: list[str] = []
    original_cell = FPDF.cell

    def checked_cell(self, w=None, h=None, text="", *args, **kwargs):
        if w and text:
            available = w - 2 * self.c_margin
            text_width = self.get_string_width(text)
            if text_width > available + WIDTH_TOLERANCE:
                overflows.append(f"{text!r} is {text_width:.1f} mm wide in a cell of {available:.1f} mm")
        return original_cell(self, w, h, text, *args, **kwargs)

    monkeypatch.setattr(FPDF, "cell", checked_cell)
    return overflows
