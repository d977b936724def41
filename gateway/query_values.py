"""Checks on the query and path values that the gateway passes to the ledger.

A NUL character, which a crafted URL can carry as ``%00``, cannot be stored by
PostgreSQL, so every service rejects a request parameter that contains one. The
service's message names its own parameter, such as ``date_from``, which means
nothing to a user of the portal. The gateway checks these values first and
names each one as the portal and the API documentation present it.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.errors import Unprocessable
from shared.web import unstorable_text_field

NBSP = "\u00a0"
# The French name of each value that the user sees or types, and what to do next.
VALUE_DESCRIPTIONS = {
    "view": ("L’affichage demandé", "utilisez «\u00a0unpaid\u00a0» (factures non réglées) ou «\u00a0all\u00a0» (toutes les écritures)."),
    "date_from": ("La date de début («\u00a0Du\u00a0»)", "saisissez-la de nouveau."),
    "date_to": ("La date de fin («\u00a0Au\u00a0»)", "saisissez-la de nouveau."),
    "number": ("La recherche par n°\u00a0de document", "retapez le numéro, puis relancez la recherche."),
    "page": ("Le numéro de page", "revenez à la première page de l’état de compte."),
    "page_size": ("Le nombre de lignes par page", "retirez ce caractère de la requête."),
    "entry": ("Le lien du document", "rouvrez le document depuis l’état de compte."),
    "document_number": ("Le numéro de document", "rouvrez le document depuis l’état de compte."),
    "file_name": ("Le nom du fichier", "renommez le fichier, puis envoyez-le de nouveau."),
    "encoding": ("L’encodage indiqué", "retirez ce caractère de la requête."),
}
DEFAULT_DESCRIPTION = ("L’adresse demandée", "vérifiez le lien, puis rechargez la page.")


class UnallowedCharacter(Unprocessable):
    """A query or path value with a character that no service can store, such as NUL.

    ``details.field`` keeps the parameter's name for API clients, and the
    message names the value as the user sees it.
    """

    def __init__(self, name: str) -> None:
        label, next_step = VALUE_DESCRIPTIONS.get(name, DEFAULT_DESCRIPTION)
        super().__init__(f"{label} contient un caractère non autorisé{NBSP}: {next_step}", field=name)


def check_values(values: Mapping[str, str | None]) -> None:
    """Raise UnallowedCharacter for the first value that a service could not store, such as one with NUL.

    ``values`` maps names of VALUE_DESCRIPTIONS to the values the gateway will send. A value of None
    is a missing parameter and passes.
    """
    for name, value in values.items():
        if value is not None and unstorable_text_field(value) is not None:
            raise UnallowedCharacter(name)
