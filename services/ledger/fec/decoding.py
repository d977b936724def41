"""Decode FEC bytes into text, from a given encoding or by detection.

A file that starts with the signature of a PDF, a ZIP archive (which an
.xlsx or .ods workbook is), an .xls workbook or a gzip archive is rejected
with a message that names the format.

A file that starts with a UTF-16 byte order mark, as some spreadsheets
write, is read as UTF-16. A file with NUL bytes and no such mark is
rejected, because it looks like UTF-16 whose byte order is unknown.

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
from .wording import COLON, SEMICOLON, place, quoted

_UTF8_BOM = codecs.BOM_UTF8
# Bytes that decode differently in ISO-8859-15 (€ Š š Ž ž Œ œ Ÿ) and CP1252.
_ISO_8859_15_ONLY = frozenset(b"\xa4\xa6\xa8\xb4\xb8\xbc\xbd\xbe")
_ASCII_BYTES = bytes(range(0x80))
# The two ways to give the importer an encoding: the CLI option and the HTTP query parameter.
_HOW_TO_GIVE_ENCODING = "option --encoding en ligne de commande, paramètre ?encoding= par HTTP"
_HOW_TO_FIX_ENCODING = (
    f"corrigez le paramètre d’encodage de la demande ({_HOW_TO_GIVE_ENCODING}) avec un nom comme utf-8,"
    " cp1252, cp850 ou iso-8859-15, ou retirez-le pour que l’import détecte l’encodage"
)


def decode_fec_bytes(data: bytes, encoding: str | None, source: str) -> tuple[str, str, list[str]]:
    """Decode `data` and return the text, the codec name used and any warnings.

    A leading byte order mark is removed. Raises FecEncodingError when an explicit
    encoding is unknown, is not a text encoding or cannot decode the bytes, or
    when detection finds bytes that neither UTF-8 nor CP1252 can decode.
    """
    _reject_binary_format(data, source)
    if encoding is not None:
        return _decode_explicit(data, encoding, source), codecs.lookup(encoding).name, []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_utf16(data, source), "utf-16", []
    if b"\x00" in data:
        line_number = physical_line_of_offset(data, data.index(b"\x00"))
        raise FecEncodingError(
            f"{place(source, line_number)}{COLON} le fichier contient des octets nuls, comme un fichier en UTF-16"
            f" sans marque d’ordre des octets{SEMICOLON} exportez-le de nouveau en UTF-8 ou en Windows-1252"
            " (cp1252)",
            line_number=line_number,
            value="0x00",
        )

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
            f"{place(source, line_number)}{COLON} l’octet 0x{data[exc.start]:02X} n’est valide ni en UTF-8"
            f" ni en {code_page}{SEMICOLON} indiquez l’encodage du fichier ({_HOW_TO_GIVE_ENCODING}),"
            " par exemple cp1252 ou cp850",
            line_number=line_number,
            value=f"0x{data[exc.start]:02X}",
        ) from None

    line_number = physical_line_of_offset(data, first_bad.start)
    warning = (
        f"{source}{COLON} le fichier n’est pas en UTF-8 (premier octet invalide 0x{data[first_bad.start]:02X}"
        f" à la ligne {line_number}), il a donc été lu en {code_page}{SEMICOLON} vérifiez ses libellés à partir"
        " de cette ligne. Un fichier déjà importé n’est pas relu, donc un fichier dans une autre page de code,"
        f" par exemple cp850, doit être importé avec son encodage ({_HOW_TO_GIVE_ENCODING}) dès son premier"
        " import"
    )
    return text, code_page, [warning]


# Signatures (leading bytes) of binary formats that a user may send by mistake in place of a FEC text file.
_BINARY_FORMATS = (
    (b"%PDF-", "un document PDF", "exportez le FEC lui-même depuis le logiciel comptable"),
    (
        b"PK\x03\x04",
        "une archive ZIP ou un classeur de tableur (.xlsx, .ods)",
        "décompressez l’archive et importez le fichier FEC qu’elle contient, ou exportez le FEC depuis le"
        " logiciel comptable plutôt que depuis un tableur",
    ),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "un classeur Excel (.xls) ou un autre document Microsoft Office",
        "exportez le FEC depuis le logiciel comptable plutôt que depuis un tableur",
    ),
    (b"\x1f\x8b", "une archive gzip", "décompressez-la et importez le fichier FEC qu’elle contient"),
)


def _reject_binary_format(data: bytes, source: str) -> None:
    """Raise FecEncodingError when `data` starts with the signature of a known binary format."""
    for signature, description, fix in _BINARY_FORMATS:
        if data.startswith(signature):
            raise FecEncodingError(
                f"{source}{COLON} le fichier est {description}, pas un FEC, qui est un fichier texte{SEMICOLON} {fix}",
                line_number=1,
            )


def physical_line_of_offset(data: bytes, offset: int) -> int:
    """Return the 1-based physical line that contains byte `offset`, with the reader's line-break rule."""
    line_break = b"\n" if b"\n" in data else b"\r"
    return data.count(line_break, 0, offset) + 1


def _decode_explicit(data: bytes, encoding: str, source: str) -> str:
    try:
        codec_name = codecs.lookup(encoding).name
    except LookupError:
        raise FecEncodingError(
            f"{source}{COLON} encodage inconnu {quoted(encoding)}{SEMICOLON} {_HOW_TO_FIX_ENCODING}",
            value=encoding,
        ) from None
    if not _is_text_encoding(codec_name):
        raise FecEncodingError(
            f"{source}{COLON} {quoted(encoding)} n’est pas un encodage de caractères{SEMICOLON}"
            f" {_HOW_TO_FIX_ENCODING}",
            value=encoding,
        )

    if data.startswith(_UTF8_BOM) and codec_name != "utf-8":
        raise FecEncodingError(
            f"{source}{COLON} le fichier commence par la marque d’ordre des octets (BOM) de l’UTF-8,"
            f" mais l’encodage indiqué est {quoted(encoding)}{SEMICOLON} indiquez utf-8, ou aucun encodage"
            " pour que l’import le détecte",
            line_number=1,
            value=encoding,
        )

    try:
        text = data.decode(codec_name)
    except UnicodeDecodeError as exc:
        line_number = physical_line_of_offset(data, exc.start)
        raise FecEncodingError(
            f"{place(source, line_number)}{COLON} l’octet 0x{data[exc.start]:02X} n’est pas valide en"
            f" {codec_name}{SEMICOLON} indiquez le véritable encodage du fichier ({_HOW_TO_GIVE_ENCODING}),"
            " par exemple cp1252 ou cp850, ou aucun pour que l’import le détecte",
            line_number=line_number,
            value=f"0x{data[exc.start]:02X}",
        ) from None
    except UnicodeError:
        # Some codecs fail without naming a byte: punycode on most text, and
        # "undefined" on any bytes.
        raise FecEncodingError(
            f"{source}{COLON} le fichier ne peut pas être lu en {codec_name}{SEMICOLON} indiquez le véritable"
            f" encodage du fichier ({_HOW_TO_GIVE_ENCODING}), par exemple cp1252 ou cp850, ou aucun pour que"
            " l’import le détecte",
            value=encoding,
        ) from None
    return text.removeprefix("\ufeff")


def _is_text_encoding(codec_name: str) -> bool:
    """Tell whether bytes.decode() accepts the codec, which it does not for rot13, base64, hex, zlib and the like."""
    # Decoding empty bytes returns "" before looking the codec up, so one byte is needed.
    try:
        b"a".decode(codec_name)
    except LookupError:
        return False
    except UnicodeError:
        # A text codec may reject this byte alone, as UTF-16 does. Decoding the file reports any real error.
        return True
    return True


def _decode_utf16(data: bytes, source: str) -> str:
    """Decode a file that starts with a UTF-16 byte order mark, which some spreadsheets write."""
    try:
        # iconv writes a mark of its own before the one a file may already carry.
        return data.decode("utf-16").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise FecEncodingError(
            f"{source}{COLON} le fichier commence comme un fichier en UTF-16, mais ses octets n’en sont pas"
            f"{SEMICOLON} exportez-le de nouveau en UTF-8 ou en Windows-1252 (cp1252)",
            line_number=1,
        ) from None


def _guess_single_byte_code_page(data: bytes) -> str:
    high_bytes = set(data.translate(None, _ASCII_BYTES))
    if any(0x80 <= byte <= 0x9F for byte in high_bytes):
        return "cp1252"
    if high_bytes & _ISO_8859_15_ONLY:
        return "iso8859-15"
    return "cp1252"
