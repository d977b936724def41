"""The 404 of a creditor where the session has no customer account, worded once for every route.

The message is the same whether the creditor does not exist or belongs to
other agencies, so creditor ids cannot be probed. Staff users have no
customer account at all, so they get a message that names no agency.
"""

from __future__ import annotations

from gateway.sessions import SessionInfo
from shared.errors import NotFound
from shared.principal import Role

FOREIGN_CREDITOR_MESSAGE = (
    "Ce créancier est introuvable parmi ceux de votre agence. Choisissez un créancier dans la liste."
)
STAFF_WITHOUT_ACCOUNT_MESSAGE = (
    "Le personnel du créancier n’a pas de compte client\u00a0: l’état de compte, les contacts "
    "et les informations d’un compte ne s’ouvrent qu’avec un utilisateur d’agence."
)


def foreign_creditor_error(session: SessionInfo, creditor: str) -> NotFound:
    """Build the 404 for a creditor where ``session`` has no customer account."""
    message = STAFF_WITHOUT_ACCOUNT_MESSAGE if session.role is Role.STAFF else FOREIGN_CREDITOR_MESSAGE
    return NotFound(message, creditor=creditor)


def require_account(session: SessionInfo, creditor: str) -> str:
    """Return the session's customer account at ``creditor``, or raise the 404 of `foreign_creditor_error`."""
    account = session.account_at(creditor)
    if account is None:
        raise foreign_creditor_error(session, creditor)
    return account
