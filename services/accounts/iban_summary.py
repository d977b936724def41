"""The part of an IBAN that the creditor's staff see when they review a bank change.

Agency users, mails, logs, events and audit entries get ``mask_iban``: the
last 4 characters only. That rule stays. Staff who approve a change also
need to see where the money would go, because a move to a foreign account
or to another bank is the usual sign of payment-redirection fraud, and the
BIC is optional. So the staff view adds the IBAN's country, its bank code
and the bank's name when schwifty's bank registry lists it.

Why this much is safe: the country and the bank code are the same for every
account at that bank, and bank directories publish them, so they do not
tell which account it is. The IBAN check digits and the rest of the BBAN
(the account number, and the branch code where there is one) stay hidden.
Where the bank code and the last 4 characters together would leave fewer
than ``MIN_HIDDEN_BBAN_CHARACTERS`` characters of the BBAN hidden, the bank
code and name are withheld. In schwifty 2026.10.1 that is only Norway,
whose 11-character BBAN would keep 3 hidden. Belgium, the shortest BBAN
shown, keeps 5 hidden.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from schwifty import IBAN
from schwifty import exceptions as schwifty_errors
from schwifty.domain import Component

from services.accounts.validation import country_name_fr, normalize_iban

LAST_CHARACTERS_SHOWN = 4
MIN_HIDDEN_BBAN_CHARACTERS = 5
# The portal serves French creditors, so a request for an account that has
# no IBAN yet is compared with a French account.
DEFAULT_COUNTRY = "FR"


@dataclasses.dataclass(frozen=True, slots=True)
class IbanSummary:
    """The staff view of an IBAN, with the bank identity it is compared by.

    ``bank_code`` and ``bank_name`` are None when withheld (``bank_withheld``)
    or unknown: schwifty has no bank code position for a few countries and
    lists the banks of only some. ``bank_key`` (country and bank code) is
    never sent, so that a withheld bank code can still be compared.
    """

    country_code: str
    country_name: str
    bank_code: str | None
    bank_name: str | None
    bank_withheld: bool
    last_four: str
    bank_key: tuple[str, str] | None = dataclasses.field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "country_code": self.country_code,
            "country_name": self.country_name,
            "bank_code": self.bank_code,
            "bank_name": self.bank_name,
            "bank_withheld": self.bank_withheld,
            "last_four": self.last_four,
        }


def summarize_iban(iban: str) -> IbanSummary:
    """Build the staff view of a valid IBAN (see the module docstring for what it shows)."""
    compact = normalize_iban(iban)
    country_code = compact[:2]
    summary = IbanSummary(
        country_code=country_code,
        country_name=country_name_fr(country_code),
        bank_code=None,
        bank_name=None,
        bank_withheld=False,
        last_four=compact[-LAST_CHARACTERS_SHOWN:],
    )
    try:
        parsed = IBAN(compact)
    except schwifty_errors.SchwiftyException:
        # The IBAN passed validation when it was stored. A later schwifty
        # with stricter rules leaves the staff with the country only.
        return summary

    bank_position = parsed.spec.positions.get(Component.BANK_CODE)
    if bank_position is None or bank_position.is_empty or not parsed.bank_code:
        return summary
    bank_key = (country_code, parsed.bank_code)
    if _hidden_bban_characters(len(parsed.bban), bank_position.start, bank_position.end) < MIN_HIDDEN_BBAN_CHARACTERS:
        return dataclasses.replace(summary, bank_withheld=True, bank_key=bank_key)
    return dataclasses.replace(summary, bank_code=parsed.bank_code, bank_name=parsed.bank_name, bank_key=bank_key)


def _hidden_bban_characters(bban_length: int, bank_start: int, bank_end: int) -> int:
    shown_positions = set(range(bank_start, bank_end)) | set(range(bban_length - LAST_CHARACTERS_SHOWN, bban_length))
    return bban_length - len(shown_positions)


def compare_summaries(requested: IbanSummary | None, previous: IbanSummary | None, *, has_previous: bool) -> dict[str, bool | None]:
    """Return whether the requested IBAN changes the account's country and bank.

    ``has_previous`` is True when the account had bank details. Without
    them the country is compared with France and ``bank_changed`` is None.
    A value is None when it is unknown: a summary is missing (the
    stored details could not be decrypted), or both IBANs are of a country
    where schwifty knows no bank code position.
    """
    if requested is None or (has_previous and previous is None):
        return {"country_changed": None, "bank_changed": None}
    if previous is None:
        return {"country_changed": requested.country_code != DEFAULT_COUNTRY, "bank_changed": None}

    country_changed = requested.country_code != previous.country_code
    if country_changed:
        bank_changed: bool | None = True
    elif requested.bank_key is None or previous.bank_key is None:
        bank_changed = None
    else:
        bank_changed = requested.bank_key != previous.bank_key
    return {"country_changed": country_changed, "bank_changed": bank_changed}
