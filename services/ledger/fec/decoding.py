"""Decode FEC bytes into text, from a given encoding or by detection.

Detection tries UTF-8 (with or without a byte order mark) first. When UTF-8
fails, the file is taken to be in a Western European single-byte code page and
a warning names the code page and the first line that is not UTF-8:

- CP1252 when the file contains a byte in 0x80-0x9F, because CP1252 puts
  letters and the euro sign there while ISO-8859-15 has only control codes;
- otherwise ISO-8859-15 when the file contains one of the eight bytes where it
  differs from CP1252 (0xA4 is the euro sign in ISO-8859-15);
- otherwise CP1252, which then decodes every byte of the file exactly as
  ISO-8859-15 would.
"""

from __future__ import annotations

import codecs

from .errors import FecEncodingError

_UTF8_BOM = codecs.BOM_UTF8
# Bytes that decode differently in ISO-8859-15 (€ Š š Ž ž Œ œ Ÿ) and CP1252.
_ISO_8859_15_ONLY = frozenset(b"\xa4\xa6\xa8\xb4\xb8\xbc\xbd\xbe")
_ASCII_BYTES = bytes(range(0x80))
# The two ways to give the importer an encoding: the CLI option and the HTTP query parameter.
_HOW_TO_GIVE_ENCODING = "--encoding on the command line, ?encoding= over HTTP"


def decode_fec_bytes(data: bytes, encoding: str | None, source: str) -> tuple[str, str, list[str]]:
    """Decode `data` and return the text, the codec name used and any warnings.

    A leading byte order mark is removed. Raises FecEncodingError when an explicit
    encoding is unknown or cannot decode the bytes, or when detection finds bytes
    that neither UTF-8 nor CP1252 can decode.
    """
    if encoding is not None:
        return _decode_explicit(data, encoding, source), codecs.lookup(encoding).name, []

    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as exc:
        first_bad = exc

    code_page = _guess_single_byte_code_page(data)
    try:
        text = data.decode(code_page)
    except UnicodeDecodeError as exc:
        line_number = physical_line_of_offset(data, exc.start)
        raise FecEncodingError(
            f"{source}, line {line_number}: byte 0x{data[exc.start]:02X} is valid neither in UTF-8"
            f" nor in {code_page}, so give the file's encoding ({_HOW_TO_GIVE_ENCODING}),"
            " for example cp1252 or cp850",
            line_number=line_number,
            value=f"0x{data[exc.start]:02X}",
        ) from None

    line_number = physical_line_of_offset(data, first_bad.start)
    warning = (
        f"{source}: the file is not valid UTF-8 (first invalid byte 0x{data[first_bad.start]:02X}"
        f" on line {line_number}), so it was decoded as {code_page}. If the file uses another code page,"
        f" give its encoding ({_HOW_TO_GIVE_ENCODING}), for example cp850"
    )
    return text, code_page, [warning]


def physical_line_of_offset(data: bytes, offset: int) -> int:
    """Return the 1-based physical line that contains byte `offset`, with the reader's line-break rule."""
    line_break = b"\n" if b"\n" in data else b"\r"
    return data.count(line_break, 0, offset) + 1


def _decode_explicit(data: bytes, encoding: str, source: str) -> str:
    try:
        codec_name = codecs.lookup(encoding).name
    except LookupError:
        raise FecEncodingError(
            f"{source}: unknown encoding {encoding!r}: give a Python codec name such as"
            " utf-8, cp1252, cp850 or iso-8859-15",
            value=encoding,
        ) from None

    if data.startswith(_UTF8_BOM) and codec_name != "utf-8":
        raise FecEncodingError(
            f"{source}: the file starts with a UTF-8 byte order mark, but encoding {encoding!r}"
            " was given: give utf-8 as the encoding, or none so that the importer detects it",
            line_number=1,
            value=encoding,
        )

    try:
        text = data.decode(codec_name)
    except UnicodeDecodeError as exc:
        line_number = physical_line_of_offset(data, exc.start)
        raise FecEncodingError(
            f"{source}, line {line_number}: byte 0x{data[exc.start]:02X} is not valid {codec_name}:"
            f" give the file's real encoding ({_HOW_TO_GIVE_ENCODING}), for example cp1252 or cp850,"
            " or none so that the importer detects it",
            line_number=line_number,
            value=f"0x{data[exc.start]:02X}",
        ) from None
    return text.removeprefix("\ufeff")


def _guess_single_byte_code_page(data: bytes) -> str:
    high_bytes = set(data.translate(None, _ASCII_BYTES))
    if any(0x80 <= byte <= 0x9F for byte in high_bytes):
        return "cp1252"
    if high_bytes & _ISO_8859_15_ONLY:
        return "iso8859-15"
    return "cp1252"
