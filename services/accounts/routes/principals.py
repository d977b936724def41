"""Helpers that turn the verified principal into the ids the handlers need."""

from __future__ import annotations

import uuid

from aiohttp import web

from shared.errors import NotFound
from shared.principal import Principal, Role
from shared.web import principal_of


def user_id_of(principal: Principal) -> uuid.UUID:
    """Return the principal's user id; raise NotFound when it names no user (system principals)."""
    try:
        return uuid.UUID(principal.user_id)
    except ValueError:
        raise NotFound("Utilisateur introuvable.", user_id=principal.user_id) from None


def agency_id_of(principal: Principal) -> uuid.UUID:
    """Return the principal's agency id; raise NotFound for a principal without agency."""
    try:
        return uuid.UUID(principal.agency_id or "")
    except ValueError:
        raise NotFound("Agence introuvable.", agency_id=principal.agency_id) from None


def staff_scope(principal: Principal) -> list[str] | None:
    """Return the creditors a staff principal works for, or None for every creditor (system)."""
    if principal.role is Role.SYSTEM:
        return None
    return list(principal.staff_creditors)


def creditor_in_scope(request: web.Request, creditor_id: str) -> None:
    """Raise NotFound unless the staff principal works for ``creditor_id`` (system works for all)."""
    scope = staff_scope(principal_of(request))
    if scope is not None and creditor_id not in scope:
        raise NotFound("Ce créancier n’existe pas ou vous n’y avez pas accès.", creditor=creditor_id)
