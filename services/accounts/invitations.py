"""Inviting people to an agency: an e-mail with a single-use link valid 72 hours.

The invited person opens ``{MF_PUBLIC_URL}/invitation/{token}``, chooses a
login and a password, and becomes a user of the agency with the role the
administrateur chose.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import structlog

from services.accounts import events, notices
from services.accounts.commands import insert_user
from services.accounts.crypto import DataCipher
from services.accounts.mail import queue_mail
from services.accounts.passwords import hash_password
from services.accounts.settings import AccountsSettings
from services.accounts.single_use_links import LinkInvalid, claim_link, create_link, find_live_link
from services.accounts.validation import validate_login, validate_password
from services.accounts.validation.errors import ErrorCollector, field_error
from services.accounts.validation.text import clean_text
from shared.typography import apply_french_spacing as french
from shared.typography import typographic_apostrophes
from shared.errors import Conflict
from shared.events.accounts import UserCreated, UserInvited
from shared.principal import Principal

log = structlog.get_logger(__name__)

INVITATION_LIFETIME = timedelta(hours=72)

# SQL condition on a row of single_use_links: the invitation's author is an active
# administrateur of the invitation's agency. Only such an invitation can be accepted.
AUTHOR_IS_ACTIVE_ADMINISTRATEUR = """EXISTS (
    SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.user_id = single_use_links.created_by AND m.agency_id = single_use_links.agency_id
       AND m.role = 'administrateur' AND u.disabled_at IS NULL)"""

# SQL condition on a row of single_use_links: an invitation that can still be accepted.
ACCEPTABLE_INVITATION = f"""purpose = 'invitation' AND used_at IS NULL AND revoked_at IS NULL
    AND expires_at > now() AND {AUTHOR_IS_ACTIVE_ADMINISTRATEUR}"""


class EmailAlreadyMember(Conflict):
    """The invited address is the e-mail of an active user of the agency."""

    code = "email_already_member"

    def __init__(self, email: str, user: asyncpg.Record) -> None:
        super().__init__(
            french(
                f"L’adresse « {email} » est déjà celle de {user['display_name'] or user['login']} "
                f"(identifiant « {user['login']} »), utilisateur actif de l’agence. "
                "Modifiez son rôle dans la liste des utilisateurs au lieu de l’inviter."
            ),
            email=email,
            user_id=str(user["id"]),
        )


class InvitationAlreadyPending(Conflict):
    """The agency already has a live invitation to the same address."""

    code = "invitation_pending"

    def __init__(self, invitation: asyncpg.Record) -> None:
        invitee = f"{typographic_apostrophes(invitation['display_name'])}, " if invitation["display_name"] else ""
        super().__init__(
            french(
                f"Une invitation à l’adresse « {invitation['email']} » est déjà en attente ({invitee}"
                f"envoyée le {notices.french_datetime(invitation['created_at'])}, "
                f"valable jusqu’au {notices.french_datetime(invitation['expires_at'])}). "
                "Annulez-la dans la liste des invitations avant d’en envoyer une nouvelle."
            ),
            email=invitation["email"],
            invitation_id=str(invitation["id"]),
        )


async def check_address_is_new(connection: asyncpg.Connection, agency_id: uuid.UUID, email: str) -> None:
    """Raise EmailAlreadyMember or InvitationAlreadyPending when ``email`` already has a place in the agency.

    Addresses are compared case-insensitively. RFC 5321 lets a mail server
    tell « Jean@x » from « jean@x », but few do, so both reach one person.
    """
    member = await connection.fetchrow(
        """SELECT u.id, u.login, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.agency_id = $1 AND u.disabled_at IS NULL AND lower(u.email) = lower($2)
            ORDER BY u.created_at LIMIT 1""",
        agency_id,
        email,
    )
    if member is not None:
        raise EmailAlreadyMember(email, member)
    pending = await connection.fetchrow(
        f"""SELECT id, email, display_name, created_at, expires_at FROM single_use_links
             WHERE agency_id = $1 AND lower(email) = lower($2) AND {ACCEPTABLE_INVITATION}
             ORDER BY created_at LIMIT 1""",
        agency_id,
        email,
    )
    if pending is not None:
        raise InvitationAlreadyPending(pending)


def invitation_json(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "invitation_id": str(row["id"]),
        "email": row["email"],
        "display_name": row["display_name"],
        "role": row["role"],
        "created_at": row["created_at"].isoformat(),
        "expires_at": row["expires_at"].isoformat(),
    }


async def invite(
    pool: asyncpg.Pool,
    settings: AccountsSettings,
    cipher: DataCipher | None,
    principal: Principal,
    *,
    email: str,
    role: str,
    display_name: str,
) -> dict[str, Any]:
    """Create an invitation to the principal's agency and queue its e-mail; return the invitation.

    Raises EmailAlreadyMember or InvitationAlreadyPending when the address
    belongs to an active user of the agency or has a live invitation to it.
    """
    agency_id = uuid.UUID(principal.agency_id)
    async with pool.acquire() as connection, connection.transaction():
        # Locking the agency row serializes its invitations, so two at once cannot both pass the check.
        agency_name = await connection.fetchval("SELECT name FROM agencies WHERE id = $1 FOR UPDATE", agency_id)
        await check_address_is_new(connection, agency_id, email)
        inviter = await connection.fetchval("SELECT display_name FROM users WHERE id = $1::uuid", principal.user_id)
        token, row = await create_link(
            connection,
            "invitation",
            lifetime=INVITATION_LIFETIME,
            email=email,
            agency_id=agency_id,
            role=role,
            display_name=display_name,
            created_by=uuid.UUID(principal.user_id),
        )
        subject, body = notices.invitation(
            agency_name=agency_name,
            inviter=inviter or "Un administrateur",
            role=role,
            link=f"{settings.public_url}/invitation/{token}",
            expires_at=row["expires_at"],
        )
        await queue_mail(connection, cipher=cipher, sender=settings.mail_sender, to=email, subject=subject, body=body)
        await events.publish(
            connection,
            UserInvited(invitation_id=str(row["id"]), agency_id=str(agency_id), role=role, invited_by=principal.user_id),
        )
    log.info("user_invited", invitation_id=str(row["id"]), agency_id=str(agency_id), role=role)
    return invitation_json(row)


async def pending_invitations(connection: asyncpg.Connection, agency_id: uuid.UUID) -> list[dict[str, Any]]:
    """Return the agency's invitations that can still be accepted, oldest first."""
    rows = await connection.fetch(
        f"""SELECT * FROM single_use_links
             WHERE agency_id = $1 AND {ACCEPTABLE_INVITATION}
             ORDER BY created_at""",
        agency_id,
    )
    return [invitation_json(row) for row in rows]


async def revoke_invitation(connection: asyncpg.Connection, agency_id: uuid.UUID, invitation_id: uuid.UUID) -> bool:
    """Revoke a live invitation of the agency; return whether one was revoked."""
    status = await connection.execute(
        """UPDATE single_use_links SET revoked_at = now()
            WHERE id = $1 AND agency_id = $2 AND purpose = 'invitation'
              AND used_at IS NULL AND revoked_at IS NULL""",
        invitation_id,
        agency_id,
    )
    return status == "UPDATE 1"


async def revoke_invitations_sent_by(connection: asyncpg.Connection, user_id: uuid.UUID) -> int:
    """Revoke the unused invitations that ``user_id`` sent; return how many were still pending.

    Expired ones are revoked too, but not counted: the agency's list no
    longer showed them, so the notice must not speak of them.
    """
    return await connection.fetchval(
        """WITH revoked AS (
               UPDATE single_use_links SET revoked_at = now()
                WHERE purpose = 'invitation' AND created_by = $1
                  AND used_at IS NULL AND revoked_at IS NULL
               RETURNING expires_at > now() AS was_pending)
           SELECT count(*) FILTER (WHERE was_pending) FROM revoked""",
        user_id,
    )


async def _require_active_inviter(connection: asyncpg.Connection, link: asyncpg.Record) -> None:
    """Raise LinkInvalid unless the invitation's author is still an active administrateur of its agency.

    Disabling or demoting an administrateur revokes their invitations, and this
    check also covers invitations sent before that revocation existed. An
    invitation without an author (``created_by`` NULL) is rejected too,
    because there is no author to check.
    """
    author_is_admin = await connection.fetchval(
        f"SELECT {AUTHOR_IS_ACTIVE_ADMINISTRATEUR} FROM single_use_links WHERE id = $1", link["id"]
    )
    if not author_is_admin:
        raise LinkInvalid()


async def describe_invitation(pool: asyncpg.Pool, token: str) -> dict[str, Any]:
    """Return what the acceptance page shows; raise LinkInvalid for a dead link."""
    async with pool.acquire() as connection:
        row = await find_live_link(connection, "invitation", token)
        await _require_active_inviter(connection, row)
        agency_name = await connection.fetchval("SELECT name FROM agencies WHERE id = $1", row["agency_id"])
    return {**invitation_json(row), "agency_name": agency_name}


CONFIRMATION_MISMATCH = "Les deux mots de passe saisis sont différents : saisissez deux fois le même."


async def accept_invitation(
    pool: asyncpg.Pool,
    token: str,
    *,
    login: str,
    password: str,
    display_name: str | None,
    password_confirmation: str | None = None,
) -> str:
    """Create the invited user with the chosen login and password; return the user id.

    ``display_name`` is checked as when inviting (no line break, control or
    invisible character, at most 100 characters), because it appears in the
    e-mails that other users receive. A ``password_confirmation`` that differs
    from ``password`` is one more field error. The gateway sends it, so that
    one request reports a mismatch together with the login and password rules.

    Raises LinkInvalid (also when the author of the invitation is no longer an
    active administrateur of the agency), ValidationError for a password that
    breaks the policy, a login that breaks the login rule or an invalid display
    name, or LoginAlreadyTaken (the link then stays usable).
    """
    # Every field is checked before raising, so the form shows every error at once.
    collector = ErrorCollector()
    collector.run(validate_login, login)
    display_name = collector.run(
        clean_text, display_name, field="display_name", label="Nom affiché", max_length=100, required=False
    )
    collector.run(validate_password, password, login=login)
    if password_confirmation is not None and password_confirmation != password:
        collector.add(field_error("password_confirmation", "", "password.confirmation", CONFIRMATION_MISMATCH))
    collector.raise_if_any()
    password_hash = await hash_password(password)
    async with pool.acquire() as connection, connection.transaction():
        link = await claim_link(connection, "invitation", token)
        await _require_active_inviter(connection, link)
        user_id = await insert_user(
            connection,
            login=login,
            kind="agency",
            password_hash=password_hash,
            display_name=display_name or link["display_name"] or login,
            email=link["email"],
        )
        await connection.execute(
            "INSERT INTO memberships (user_id, agency_id, role) VALUES ($1, $2, $3)",
            user_id,
            link["agency_id"],
            link["role"],
        )
        await events.publish(
            connection,
            UserCreated(user_id=str(user_id), login=login, kind="agency", agency_id=str(link["agency_id"]), role=link["role"]),
        )
    log.info("invitation_accepted", invitation_id=str(link["id"]), user_id=str(user_id))
    return str(user_id)
