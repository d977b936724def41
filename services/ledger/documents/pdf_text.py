"""Wrap and draw text with fpdf2 in time linear in the text length.

fpdf2 2.8 `multi_cell` measures the whole line again for every character it
adds, so a 300-character paragraph costs several milliseconds. These helpers
measure each word once and draw every line with `cell`.
"""

from typing import Any

from fpdf import FPDF


def wrap_text(pdf: FPDF, text: str, width: float) -> list[str]:
    """Split text into lines that fit `width` mm in the current font, breaking at spaces.

    Only U+0020 is a break point, so no-break spaces (U+00A0, U+202F) keep an
    amount or a number together. Spaces inside a line are kept as they are,
    because a document number such as « FA  220393 » has two. The spaces
    where a line breaks are dropped. A word wider than the line is cut
    between characters. Returns one empty line for an empty text.
    """
    available = width - 2 * pdf.c_margin
    space_width = pdf.get_string_width(" ")
    lines: list[str] = []
    current = ""
    current_width = 0.0

    for word in text.split(" "):
        if not word:
            # A second space in a row: kept when the line goes on after it.
            if current and current_width + space_width <= available:
                current += " "
                current_width += space_width
            continue
        word_width = pdf.get_string_width(word)
        if word_width > available:
            if current.strip(" "):
                lines.append(current.rstrip(" "))
            *full_pieces, current = _cut_word(pdf, word, available)
            lines.extend(full_pieces)
            current_width = pdf.get_string_width(current)
            continue

        extended_width = current_width + space_width + word_width if current else word_width
        if current and extended_width > available:
            lines.append(current.rstrip(" "))
            current, current_width = word, word_width
        else:
            current = f"{current} {word}" if current else word
            current_width = extended_width

    if current or not lines:
        lines.append(current.rstrip(" "))
    return lines


def _cut_word(pdf: FPDF, word: str, available: float) -> list[str]:
    pieces = []
    piece = ""
    piece_width = 0.0
    for character in word:
        character_width = pdf.get_string_width(character)
        if piece and piece_width + character_width > available:
            pieces.append(piece)
            piece, piece_width = "", 0.0
        piece += character
        piece_width += character_width
    pieces.append(piece)
    return pieces


def draw_paragraph(pdf: FPDF, text: str, width: float, line_height: float, align: str = "L") -> None:
    """Draw wrapped text from the current position, then move below it at the same x."""
    x = pdf.get_x()
    for line in wrap_text(pdf, text, width):
        pdf.set_x(x)
        pdf.cell(width, line_height, line, align=align, new_x="LEFT", new_y="NEXT")


def draw_fitted_cell(pdf: FPDF, width: float, height: float, text: str, **cell_options: Any) -> None:
    """Draw one line of text in a cell, at a smaller font size when it is wider than the cell.

    Amounts use it: the ledger accepts totals up to 13 integer digits, which at
    the table's font size would run over the next column. `cell_options` go
    to `FPDF.cell` (align, fill, new_x, new_y).
    """
    available = width - 2 * pdf.c_margin
    text_width = pdf.get_string_width(text)
    if text_width <= available:
        pdf.cell(width, height, text, **cell_options)
        return
    size = pdf.font_size_pt
    pdf.set_font_size(size * available / text_width)
    pdf.cell(width, height, text, **cell_options)
    pdf.set_font_size(size)
