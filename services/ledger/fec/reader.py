"""Read FEC bytes into `FecLine` records.

Line breaks may be LF, CRLF or CR CR LF (all count as one physical line), or CR
alone when the file contains no LF. The final line break is optional and blank
lines are skipped, but line numbers stay physical so that messages point at the
right line in an editor. Fields are stripped of surrounding spaces.

Most files go through `column_parser`, which parses whole columns at once. The
others, including every file with an error, go through `line_parser`, and both
give the same records.
"""

from __future__ import annotations

from .column_parser import parse_data_columns
from .decoding import decode_fec_bytes
from .errors import FecHeaderError
from .header import parse_header
from .line_parser import parse_data_lines
from .records import FecFile


def read_fec(data: bytes, *, encoding: str | None = None, source: str = "<fec>") -> FecFile:
    """Decode, split and parse a FEC file.

    `encoding` is a Python codec name. When it is None the encoding is detected
    (UTF-8, else a single-byte code page with a warning). `source` names the file
    in messages. Raises FecEncodingError, FecHeaderError or FecValueError, whose
    messages give the physical line, the column and the raw value.
    """
    text, codec_name, warnings = decode_fec_bytes(data, encoding, source)
    physical_lines = text.split("\n") if "\n" in text else text.split("\r")

    header_index = next((index for index, line in enumerate(physical_lines) if line.strip()), None)
    if header_index is None:
        raise FecHeaderError(
            f"{source}: the file is empty; expected a header line with the FEC column names"
            " followed by one line per accounting line",
        )
    layout = parse_header(physical_lines[header_index].rstrip("\r"), header_index + 1, source)
    lines = parse_data_columns(physical_lines, header_index + 1, layout)
    if lines is None:
        lines = parse_data_lines(physical_lines, header_index + 1, layout, source)
    return FecFile(
        lines=lines,
        encoding=codec_name,
        separator=layout.separator,
        warnings=warnings,
        source=source,
    )
