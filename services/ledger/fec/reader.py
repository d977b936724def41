"""Read FEC bytes into `FecLine` records.

Line breaks may be LF, CRLF or CR CR LF (all count as one physical line), or CR
alone when the file contains no LF. In a file that contains LF, a CR alone in
the header rejects the file. On a data line it is named as the cause of a
wrong field count, or of a bad value that contains it. The final line break is
optional and blank lines are skipped, but line numbers stay physical so that
messages point at the right line in an editor. Fields are stripped of
surrounding spaces. Control characters inside a field are replaced with a
space in labels and rejected elsewhere, before either parser runs (see
`controls`).

Most files go through `column_parser`, which parses whole columns at once. The
others, including every file with an error, go through `line_parser`, and both
give the same records.
"""

from __future__ import annotations

from .column_parser import parse_data_columns
from .controls import may_contain_controls, replace_label_controls
from .decoding import decode_fec_bytes
from .errors import FecHeaderError
from .gc_pause import garbage_collection_paused
from .header import parse_header
from .line_parser import parse_data_lines
from .records import FecColumns, FecFile
from .wording import COLON, LONE_CARRIAGE_RETURN, SEMICOLON, place


def read_fec(data: bytes, *, encoding: str | None = None, source: str = "<fec>") -> FecFile:
    """Decode, split and parse a FEC file.

    `encoding` is a Python codec name. When it is None the encoding is detected
    (UTF-8, else a single-byte code page with a warning). `source` names the file
    in messages. Raises FecEncodingError, FecHeaderError or FecValueError, whose
    messages give the physical line, the column and the raw value.
    """
    with garbage_collection_paused():
        return _read(data, encoding, source)


def _read(data: bytes, encoding: str | None, source: str) -> FecFile:
    text, codec_name, warnings = decode_fec_bytes(data, encoding, source)
    line_break = "\n" if "\n" in text else "\r"
    header = _find_header(text, line_break)
    if header is None:
        raise FecHeaderError(
            f"{source}{COLON} le fichier est vide{SEMICOLON} un FEC commence par une ligne d’en-tête avec les"
            " noms des colonnes, suivie d’une ligne par ligne d’écriture",
        )
    header_index, header_start, header_end = header
    header_line = text[header_start:header_end].rstrip("\r")
    if "\r" in header_line:
        # A CR alone joins the first data line to the header, which may then
        # still name every column and would silently lose that line.
        raise FecHeaderError(
            f"{place(source, header_index + 1)}{COLON} {LONE_CARRIAGE_RETURN}",
            line_number=header_index + 1,
        )
    layout = parse_header(header_line, header_index + 1, source)
    if may_contain_controls(data, text, codec_name, layout.separator):
        text, controls_warning = replace_label_controls(text, header_end + 1, header_index + 2, layout, source)
        if controls_warning is not None:
            warnings.append(controls_warning)

    columns = None
    if line_break == "\n":
        columns = parse_data_columns(text, header_end + 1, header_index + 2, layout)
    if columns is None:
        columns = FecColumns.from_lines(parse_data_lines(text.split(line_break), header_index + 1, layout, source))
    return FecFile(
        columns=columns,
        encoding=codec_name,
        separator=layout.separator,
        warnings=warnings,
        source=source,
    )


def _find_header(text: str, line_break: str) -> tuple[int, int, int] | None:
    """Return the index, start and end offsets of the first physical line that is not blank, or None."""
    index = 0
    start = 0
    while True:
        end = text.find(line_break, start)
        if end == -1:
            end = len(text)
        if text[start:end].strip():
            return index, start, end
        if end == len(text):
            return None
        index += 1
        start = end + 1
