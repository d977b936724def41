"""The 403 message of the accounts service names the role in French."""

from __future__ import annotations

import time

import pytest

from services.accounts.domain import Action, require_role
from shared.errors import Forbidden
from shared.principal import Principal, Role

NBSP = "\u00a0"


def principal_with(role: Role) -> Principal:
    return Principal(user_id="user-test", role=role, expires_at=time.time() + 60)


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        (Role.STAFF, Action.READ_ACCOUNT, f"Votre rôle «{NBSP}personnel du créancier{NBSP}» ne permet pas de consulter ce compte."),
        (Role.READER, Action.MANAGE_USERS, f"Votre rôle «{NBSP}lecteur{NBSP}» ne permet pas de gérer les utilisateurs de l’agence."),
        (Role.ACCOUNTANT, Action.EDIT_PROFILE, f"Votre rôle «{NBSP}comptable{NBSP}» ne permet pas de modifier les informations du compte."),
        (
            Role.READER,
            Action.READ_BANK_DETAILS_FOR_EDIT,
            f"Votre rôle «{NBSP}lecteur{NBSP}» ne permet pas de demander un changement de coordonnées bancaires ni de voir l’IBAN complet.",
        ),
        (Role.READER, Action.SEND_CONTACT_MESSAGE, f"Votre rôle «{NBSP}lecteur{NBSP}» ne permet pas d’écrire au créancier."),
        (Role.ADMIN, Action.DECIDE_BANK_CHANGE, f"Votre rôle «{NBSP}administrateur{NBSP}» ne permet pas de valider ou refuser un changement de coordonnées bancaires."),
    ],
)
def test_forbidden_message_names_role(role, action, expected):
    with pytest.raises(Forbidden) as raised:
        require_role(principal_with(role), action)

    assert raised.value.message == expected


def test_forbidden_details_keep_role_value():
    with pytest.raises(Forbidden) as raised:
        require_role(principal_with(Role.STAFF), Action.READ_ACCOUNT)

    assert raised.value.details["role"] == "staff"
    assert "staff" not in raised.value.message
