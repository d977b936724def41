"""Find control characters in the data lines of a FEC file, then replace them in labels and reject them elsewhere.

A control character is a C0 control other than the tab separator and the
line break, DEL, a C1 control (NEL included), the Unicode line and
paragraph separators, or a bidirectional embedding, override or isolate.
The last ones can make a document number display as another one. In a
file whose lines end with LF, a CR alone is a control character too. The
parsers strip those that Python counts as white space (VT, FF, NEL, U+2028
and others) at both ends of a field. Inside a field they would reach the
database, the statement, the CSV export and the PDFs. The PDF and
Factur-X models reject them, so a customer label or a document number that
contains one makes its invoice impossible to render, and PostgreSQL cannot
store a NUL at all.

So, inside a field, before either parser runs:

- in JournalLib, CompteLib, CompAuxLib and EcritureLib, which are free text,
  each run of control characters becomes one space, and the import warns,
  naming the lines;
- in any other column, which contains a code, a number, a date or an amount
  that the ledger matches on, the file is rejected naming the line, the
  column, the value and the character. A replaced character there could
  merge two lettering groups or two documents;
- a NUL is rejected in every column, because it means that the file is
  binary or was decoded with the wrong encoding.

Non-breaking spaces and zero-width spaces are printable, every output shows
them, and they are kept.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from .errors import FecValueError
from .header import ColumnLayout
from .wording import COLON, LONE_CARRIAGE_RETURN, SEMICOLON, lines_phrase, listed, place, quoted

# Free-text columns, in which control characters are replaced with a space.
LABEL_COLUMNS = frozenset({"JournalLib", "CompteLib", "CompAuxLib", "EcritureLib"})

_CONTROL_CLASS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
# The tab separates the fields of a tab file, and is a control character inside a field of a pipe file.
_CONTROLS = {
    ("\t", "\n"): re.compile(f"[{_CONTROL_CLASS}\r]+"),
    ("\t", "\r"): re.compile(f"[{_CONTROL_CLASS}]+"),
    ("|", "\n"): re.compile(f"[{_CONTROL_CLASS}\t\r]+"),
    ("|", "\r"): re.compile(f"[{_CONTROL_CLASS}\t]+"),
}
# Bytes kept by the quick check: C0 controls except tab, LF and CR, DEL, and every non-ASCII byte.
# Leaving out the tab, which separates the fields of most files, halves the time of the translation.
_SUSPECT_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0x100)])
_OTHER_BYTES = bytes(sorted(set(range(0x100)) - set(_SUSPECT_BYTES)))
_ASCII_BYTES = bytes(range(0x80))
_NON_ASCII_BYTES = bytes(range(0x80, 0x100))
# The last CR of a run that no LF ends, so that CR CR LF line breaks pass.
_LONE_CR_BYTE = re.compile(b"\r[^\r\n]")
_NON_ASCII_CONTROLS = re.compile("[\x80-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

_CHARACTER_NAMES = {
    "\x00": "caractère nul",
    "\t": "tabulation",
    "\x0b": "tabulation verticale",
    "\x0c": "saut de page",
    "\r": "retour chariot",
    "\x1b": "échappement",
    "\x7f": "suppression",
    "\x85": "passage à la ligne suivante",
    "\u2028": "séparateur de ligne",
    "\u2029": "séparateur de paragraphe",
}
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def may_contain_controls(data: bytes, text: str, codec_name: str, separator: str) -> bool:
    """Tell whether `text`, decoded from `data` with `codec_name`, may hold a control character in a field.

    False is certain. For UTF-8 and ASCII-compatible single-byte code pages the
    check runs on the bytes. There C0 controls and DEL are single bytes, and
    the other control characters are among the non-ASCII characters, decoded
    alone. On the 7 MB file of the x10 case of `bench.bench_fec_parse`, this
    took about 12 ms where a regular expression over the text took 69 ms
    (2-core x86_64, shared with other jobs). A CR, or a run of CRs, that a
    character other than LF follows is reported too.
    """
    line_break = "\n" if "\n" in text else "\r"
    if not _checks_bytes(codec_name):
        return _CONTROLS[separator, line_break].search(text) is not None
    if separator == "|" and "\t" in text:
        return True
    suspects = data.translate(None, _OTHER_BYTES)
    if suspects.translate(None, _NON_ASCII_BYTES):
        return True
    if line_break == "\n" and _LONE_CR_BYTE.search(data) is not None:
        return True
    non_ascii = suspects.translate(None, _ASCII_BYTES).decode(codec_name)
    return _NON_ASCII_CONTROLS.search(non_ascii) is not None


@lru_cache(maxsize=None)
def _checks_bytes(codec_name: str) -> bool:
    """Tell whether the byte check of `may_contain_controls` is exact for this codec.

    It is for UTF-8, whose multibyte sequences contain no ASCII byte, and
    for single-byte codecs that decode ASCII as ASCII.
    """
    if codecs.lookup(codec_name).name == "utf-8":
        return True
    try:
        ascii_ok = _ASCII_BYTES.decode(codec_name) == _ASCII_BYTES.decode("ascii")
        single_byte = len(bytes(range(0x80, 0x100)).decode(codec_name, errors="replace")) == 0x80
    except (UnicodeError, LookupError):
        return False
    return ascii_ok and single_byte


def replace_label_controls(
    text: str, body_start: int, first_line_number: int, layout: ColumnLayout, source: str
) -> tuple[str, str | None]:
    """Replace the control characters of label fields with spaces, and reject them in the other fields.

    `body_start` is the offset of the first data line and `first_line_number`
    its physical line number. Returns the text, changed or not, and the
    warning that names the lines changed (None when none changed). Raises
    FecValueError for a control character in a field that is not a label,
    and for a NUL in any field. A line with a wrong field count is left as
    it is, so that the parser names that fault. The pass runs in Python over
    every line: on the 54,220 lines of the x10 benchmark file it added about
    0.2 s to a read of 0.25 s, which only files with a control character pay.
    """
    line_break = "\n" if "\n" in text else "\r"
    controls = _CONTROLS[layout.separator, line_break]
    columns = {position: name for name, position in layout.positions.items()}
    lines = text[body_start:].split(line_break)
    changed_lines: list[int] = []
    replaced: set[str] = set()
    for offset, line in enumerate(lines):
        content = line.rstrip("\r") if line_break == "\n" else line
        if controls.search(content) is None:
            continue
        fields = content.split(layout.separator)
        if _has_wrong_field_count(fields, layout):
            continue
        line_number = first_line_number + offset
        changed = False
        for index, field in enumerate(fields):
            column = columns.get(index)
            found = controls.search(field.strip())
            if column is None or found is None:
                continue
            if column not in LABEL_COLUMNS or "\x00" in field:
                raise _control_error(field, found, line_number, layout.spellings[column], source)
            replaced.update(controls.findall(field.strip()))
            fields[index] = controls.sub(" ", field)
            changed = True
        if changed:
            lines[offset] = layout.separator.join(fields) + line[len(content):]
            changed_lines.append(line_number)
    if not changed_lines:
        return text, None
    characters = sorted({character for run in replaced for character in run})
    warning = (
        f"{source}{COLON} les libellés {'de la' if len(changed_lines) == 1 else 'des'}"
        f" {lines_phrase(changed_lines, 10)} contenaient"
        f" {_characters_phrase(characters)}, remplacé{'s' if len(characters) > 1 else ''} par une espace"
        f"{SEMICOLON} corrigez ces libellés dans la comptabilité si le texte importé ne convient pas"
    )
    return text[:body_start] + line_break.join(lines), warning


def _has_wrong_field_count(fields: list[str], layout: ColumnLayout) -> bool:
    """Tell whether the line parser rejects this field count (see `line_parser._check_field_count`)."""
    if len(fields) == layout.width:
        return False
    too_few = len(fields) < max(layout.positions.values()) + 1
    too_many = len(fields) > layout.width and any(field.strip() for field in fields[layout.width:])
    return too_few or too_many


def _control_error(field: str, found: re.Match, line_number: int, column: str, source: str) -> FecValueError:
    """Build the error of a control character in a field that is not a label.

    `found` is the character's match in the stripped field.
    """
    where = place(source, line_number, column)
    if "\x00" in field:
        found = _NUL.search(found.string) or found
    quoted_value = quoted(visible(_around(found)))
    if "\x00" in field:
        fault = (
            f"{quoted_value} contient un caractère nul (U+0000), qu’aucun export comptable n’écrit"
            f"{SEMICOLON} le fichier est sans doute binaire ou dans un autre encodage que celui indiqué"
            " (option --encoding en ligne de commande, paramètre ?encoding= par HTTP)"
        )
    elif found.group()[0] == "\r":
        fault = LONE_CARRIAGE_RETURN
    else:
        fault = (
            f"{quoted_value} contient {_characters_phrase([found.group()[0]])}{SEMICOLON} retirez-le de ce champ"
            " dans la comptabilité, puis exportez de nouveau le fichier"
        )
    return FecValueError(f"{where}{COLON} {fault}", line_number=line_number, column=column, value=field)


def _around(found: re.Match, context: int = 30) -> str:
    """Return the matched control characters with at most `context` characters on each side, « … » marking a cut."""
    text = found.string
    start = max(0, found.start() - context)
    end = min(len(text), found.end() + context)
    excerpt_text = text[start:end]
    if start > 0:
        excerpt_text = "…" + excerpt_text
    if end < len(text):
        excerpt_text += "…"
    return excerpt_text


def visible(value: str) -> str:
    """Return `value` with each control character written as [U+000C], so that a message shows where it is."""
    return _VISIBLE_CONTROLS.sub(lambda match: f"[U+{ord(match.group()):04X}]", value)


_NUL = re.compile("\x00")
_VISIBLE_CONTROLS = re.compile(f"[{_CONTROL_CLASS}\t\r\n]")


def _characters_phrase(characters: list[str]) -> str:
    """Name control characters: « le caractère de contrôle U+000C (saut de page) »."""
    names = [f"U+{ord(character):04X} ({_character_name(character)})" for character in characters]
    noun = "le caractère de contrôle" if len(names) == 1 else "les caractères de contrôle"
    return f"{noun} {listed(names, 5)}"


def _character_name(character: str) -> str:
    if character in _CHARACTER_NAMES:
        return _CHARACTER_NAMES[character]
    if character in _BIDI_CONTROLS:
        return "contrôle d’écriture bidirectionnelle"
    return "contrôle C1" if "\x80" <= character <= "\x9f" else "contrôle C0"
