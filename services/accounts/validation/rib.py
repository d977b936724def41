"""French and Monaco RIB (relevé d'identité bancaire) parts and their key."""

from __future__ import annotations

import dataclasses
import re

# Countries whose BBAN is a RIB: 5-digit bank code, 5-digit branch code, 11-character account
# number and 2-digit key.
RIB_COUNTRIES = frozenset({"FR", "MC"})

BANK_CODE_LENGTH = 5
BRANCH_CODE_LENGTH = 5
ACCOUNT_NUMBER_LENGTH = 11
RIB_KEY_LENGTH = 2


def _build_letter_values() -> dict[str, int]:
    # The French banking table maps A-I to 1-9, J-R to 1-9 and S-Z to 2-9.
    values: dict[str, int] = {}
    for first_value, letters in ((1, "ABCDEFGHI"), (1, "JKLMNOPQR"), (2, "STUVWXYZ")):
        for offset, letter in enumerate(letters):
            values[letter] = first_value + offset
    return values


_LETTER_VALUES = _build_letter_values()
_ASCII_DIGITS = re.compile(r"[0-9]+")
_ACCOUNT_CHARACTERS = re.compile(r"[0-9A-Z]+")


@dataclasses.dataclass(frozen=True, slots=True)
class RibParts:
    """The four parts of a French or Monaco RIB, upper case, without separators."""

    bank_code: str
    branch_code: str
    account_number: str
    key: str


def _digits_of(account_number: str) -> int:
    return int("".join(str(_LETTER_VALUES.get(char, char)) for char in account_number))


def compute_rib_key(bank_code: str, branch_code: str, account_number: str) -> str:
    """Return the two-digit RIB key of the given parts.

    The key is ``97 - (89 * bank + 15 * branch + 3 * account) mod 97``, with the letters of the
    account number replaced by digits from the French banking table. Raises ValueError if a
    part contains a character other than a digit or an upper-case letter.
    """
    if not (_ASCII_DIGITS.fullmatch(bank_code) and _ASCII_DIGITS.fullmatch(branch_code)):
        raise ValueError(
            f"bank and branch codes must be ASCII digits, got {bank_code!r} and {branch_code!r}"
        )
    if not _ACCOUNT_CHARACTERS.fullmatch(account_number):
        raise ValueError(f"account number must be digits or A-Z, got {account_number!r}")

    weighted = 89 * int(bank_code) + 15 * int(branch_code) + 3 * _digits_of(account_number)
    return f"{97 - weighted % 97:02d}"


def split_rib(bban: str) -> RibParts:
    """Split a 23-character French or Monaco BBAN into its RIB parts."""
    bank_end = BANK_CODE_LENGTH
    branch_end = bank_end + BRANCH_CODE_LENGTH
    account_end = branch_end + ACCOUNT_NUMBER_LENGTH
    return RibParts(
        bank_code=bban[:bank_end],
        branch_code=bban[bank_end:branch_end],
        account_number=bban[branch_end:account_end],
        key=bban[account_end:],
    )
