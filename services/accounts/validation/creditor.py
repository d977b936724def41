"""Checks of a creditor's legal identity beyond those of an agency's details.

The ledger prints the creditor's identity on every invoice and credit note,
and validates it again, with python-stdnum, when the event that carries it
arrives. These checks reject here every value that the ledger would reject
there, so that an identity saved by staff always reaches the invoices.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from .errors import reject
from .iban import mask_iban

# The ledger stores the share capital as numeric(15, 2).
MAX_SHARE_CAPITAL = Decimal("9999999999999.99")
MAX_SHARE_CAPITAL_TEXT = "9\u202f999\u202f999\u202f999\u202f999,99\u00a0€"
CENT = Decimal("0.01")
DEFAULT_PENALTY_RATE = "trois fois le taux d’intérêt légal"

# Digits with an optional decimal part, once group separators are removed.
_AMOUNT = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
_GROUP_SEPARATORS = re.compile(r"[ \u00a0\u202f]")
_EXAMPLE = "par exemple 10000 ou 10\u202f000,50"


def validate_share_capital(value: object, *, field: str = "share_capital") -> Decimal | None:
    """Return the share capital in euros with two decimals, None when empty, or raise ValidationError.

    ``value`` is a string typed by a person (« 10 000,50 » or « 10000.50 »), an
    int, or a Decimal read from JSON. A float is rejected, because it cannot
    hold every amount in cents exactly. Error codes: ``share_capital.format``,
    ``share_capital.precision``, ``share_capital.range``.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    raw = str(value)
    if isinstance(value, bool) or isinstance(value, float):
        raise reject(
            field,
            raw,
            "share_capital.format",
            f"Le capital social {raw} est un nombre à virgule flottante, qui ne garde pas chaque centime : "
            f"envoyez-le en texte, {_EXAMPLE}.",
        )
    if isinstance(value, (int, Decimal)):
        text = str(value)
    elif isinstance(value, str):
        text = _GROUP_SEPARATORS.sub("", value.strip())
        if not _AMOUNT.fullmatch(text):
            raise reject(
                field,
                raw,
                "share_capital.format",
                f"Le capital social « {value.strip()} » n’est pas un montant en euros : saisissez des chiffres, "
                f"{_EXAMPLE}.",
            )
        text = text.replace(",", ".")
    else:
        raise reject(
            field, raw, "share_capital.format", f"Le capital social doit être un montant en euros, {_EXAMPLE}."
        )

    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise reject(
            field, raw, "share_capital.format", f"Le capital social « {raw} » n’est pas un montant en euros, {_EXAMPLE}."
        )
    if amount != amount.quantize(CENT):
        raise reject(
            field,
            raw,
            "share_capital.precision",
            f"Le capital social « {raw} » a plus de deux décimales : arrondissez-le au centime.",
        )
    if not Decimal(0) <= amount <= MAX_SHARE_CAPITAL:
        raise reject(
            field,
            raw,
            "share_capital.range",
            f"Le capital social « {raw} » doit être compris entre 0 et {MAX_SHARE_CAPITAL_TEXT} : "
            "recopiez-le depuis l’extrait Kbis.",
        )
    return amount.quantize(CENT)


def check_iban_printable(iban: str, *, raw: str, field: str = "iban") -> None:
    """Raise ValidationError unless python-stdnum, which the ledger uses, also accepts this valid IBAN.

    ``iban`` is the normalized IBAN that validate_iban returned, which
    schwifty checked. The two libraries differ on some national rules: for
    example, python-stdnum 2.2 rejects Belgian bank code 539, which schwifty
    2026.10.1 accepts. Error code: ``iban.unsupported``.
    """
    if not stdnum_iban.is_valid(iban):
        raise reject(
            field,
            raw,
            "iban.unsupported",
            f"L’IBAN {mask_iban(iban)} ne peut pas être imprimé sur les factures : le contrôle des factures "
            f"ne reconnaît pas ce compte du pays {iban[:2]} (code de la banque ou format). Vérifiez l’IBAN sur "
            "le RIB ; s’il est juste, indiquez un autre compte du créancier, par exemple ouvert en France.",
        )


def check_bic_printable(bic: str, *, raw: str, field: str = "bic") -> None:
    """Raise ValidationError unless python-stdnum, which the ledger uses, also accepts this valid BIC.

    ``bic`` is the normalized BIC that validate_bic returned. ISO 9362 allows
    digits in the 4-character institution code since 2018, but the ledger
    requires letters there. Error code: ``bic.unsupported``.
    """
    if not stdnum_bic.is_valid(bic):
        raise reject(
            field,
            raw,
            "bic.unsupported",
            f"Le BIC « {bic} » ne peut pas être imprimé sur les factures : ses 4 premiers caractères, "
            "le code de la banque, doivent être des lettres. Recopiez le BIC depuis le RIB du compte.",
        )
