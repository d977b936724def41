"""Bank-detail change requests: asked by an agency administrateur, decided by the creditor's staff.

Bank details never change directly, because changing a payee's bank
details is a known fraud path. A request is stored encrypted and waits
(one per account at a time) until a staff member of the creditor approves
or rejects it. Approval replaces the current details. Every administrateur
of the agency and the billing e-mail in force when the request was made get
a notice at the request and at the decision. IBANs leave this module
masked, except for the owner's edit form (``current_details(full=True)``).
The staff list adds each IBAN's country and bank (``staff_requests``).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

import asyncpg
import structlog

from services.accounts import events, notices
from services.accounts.audit import record_audit
from services.accounts.crypto import DataCipher, DecryptionFailed, cipher_or_unavailable
from services.accounts.iban_summary import compare_summaries, summarize_iban
from services.accounts.mail import queue_mail
from services.accounts.scope import AccountScope
from services.accounts.settings import AccountsSettings
from services.accounts.validation import BankDetails, mask_iban
from shared.errors import Conflict, NotFound
from shared.events.accounts import BankChangeDecided, BankChangeRequested
from shared.principal import Principal

log = structlog.get_logger(__name__)


class ChangeAlreadyPending(Conflict):
    code = "bank_change_pending"

    def __init__(self) -> None:
        super().__init__(
            "Une demande de changement de coordonnées bancaires est déjà en attente pour ce compte. "
            "Attendez la décision du créancier, ou retirez cette demande depuis Informations compte, "
            "avant d’en faire une autre."
        )


# The opening clause of ChangeAlreadyDecided's message for each status that ends a request.
ENDED_REQUEST_CLAUSES = {
    "approved": "Cette demande a déjà été validée, par vous ou par un collègue",
    "rejected": "Cette demande a déjà été refusée, par vous ou par un collègue",
    "withdrawn": "L’agence a retiré cette demande",
}


class ChangeAlreadyDecided(Conflict):
    code = "bank_change_decided"

    def __init__(self, status: str) -> None:
        ended = ENDED_REQUEST_CLAUSES.get(status, "Cette demande n’est plus en attente")
        super().__init__(
            f"{ended} : votre décision n’a pas été enregistrée.",
            current_status=status,
        )


class RequesterNoLongerAdministrator(Conflict):
    code = "bank_change_requester_removed"

    def __init__(self) -> None:
        super().__init__(
            "Cette demande ne peut plus être validée, car son auteur n’est plus administrateur actif de l’agence\u00a0:"
            " l’agence l’a désactivé ou lui a donné un autre rôle depuis. Refusez la demande en donnant ce motif\u00a0;"
            " un administrateur actif de l’agence pourra en faire une nouvelle."
        )


class ChangeNotPending(Conflict):
    code = "bank_change_decided"

    def __init__(self, status: str) -> None:
        super().__init__(
            "Cette demande ne peut plus être retirée, car le créancier l’a déjà traitée ou elle a déjà été retirée.",
            current_status=status,
        )


def _request_not_found(request_id: str) -> NotFound:
    return NotFound("Cette demande de changement de coordonnées bancaires n’existe pas.", request_id=request_id)


def details_context(creditor_id: str, customer_account: str) -> str:
    """Return the associated data that binds an account's current bank details to its row."""
    return f"bank-details:{creditor_id}:{customer_account}"


def request_context(request_id: uuid.UUID) -> str:
    """Return the associated data that binds a change request's bank details to its row."""
    return f"bank-change:{request_id}"


def _masked(details: dict[str, Any]) -> dict[str, Any]:
    """Return bank details fit for display and audit: IBAN masked, account number and key left out."""
    return {
        "iban_masked": mask_iban(details["iban"]),
        "bic": details.get("bic"),
        "bank_code": details.get("bank_code"),
        "branch_code": details.get("branch_code"),
    }


async def current_details(
    connection: asyncpg.Connection, cipher: DataCipher | None, scope: AccountScope, *, full: bool
) -> dict[str, Any] | None:
    """Return the account's bank details, masked unless ``full`` (the owner's edit form), or None."""
    row = await connection.fetchrow(
        "SELECT details_encrypted, iban_masked, bic, updated_at FROM bank_details WHERE creditor_id = $1 AND customer_account = $2",
        scope.creditor_id,
        scope.customer_account,
    )
    if row is None:
        return None
    context = details_context(scope.creditor_id, scope.customer_account)
    if not full:
        view: dict[str, Any] = {"iban_masked": row["iban_masked"], "bic": row["bic"]}
        if cipher is not None:
            view = _masked(json.loads(cipher.decrypt(row["details_encrypted"], context)))
        return view | {"updated_at": row["updated_at"].isoformat()}
    details = json.loads(cipher_or_unavailable(cipher).decrypt(row["details_encrypted"], context))
    return details | {"iban_masked": row["iban_masked"], "updated_at": row["updated_at"].isoformat()}


def _request_json(row: asyncpg.Record, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return a request as the API gives it, with ``previous``: the details it replaces (masked), or None.

    For a decided request these are the details in force at the decision.
    For a pending one they are the current details: `current`, or the
    ``current_iban_masked`` and ``current_bic`` columns of the row.
    """
    if row["status"] == "pending":
        if current is not None:
            previous_iban, previous_bic = current.get("iban_masked"), current.get("bic")
        else:
            previous_iban, previous_bic = row.get("current_iban_masked"), row.get("current_bic")
    else:
        previous_iban, previous_bic = row["replaced_iban_masked"], row["replaced_bic"]
    return {
        "request_id": str(row["id"]),
        "creditor": row["creditor_id"],
        "customer_account": row["customer_account"],
        "status": row["status"],
        "iban_masked": row["iban_masked"],
        "bic": row["bic"],
        "requested_by": str(row["requested_by"]),
        "requested_at": row["requested_at"].isoformat(),
        "decided_by": str(row["decided_by"]) if row["decided_by"] else None,
        "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
        "decision_reason": row["decision_reason"],
        "previous": {"iban_masked": previous_iban, "bic": previous_bic} if previous_iban else None,
    }


async def _notice_recipients(connection: asyncpg.Connection, agency_id: uuid.UUID, billing_email: str | None) -> list[str]:
    """Return the e-mails of the agency's active administrateurs and ``billing_email``, without duplicates."""
    rows = await connection.fetch(
        """SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.agency_id = $1 AND m.role = 'administrateur'
              AND u.disabled_at IS NULL AND u.email IS NOT NULL
            ORDER BY u.email""",
        agency_id,
    )
    recipients: list[str] = []
    for email in [row["email"] for row in rows] + ([billing_email] if billing_email else []):
        if email.lower() not in {known.lower() for known in recipients}:
            recipients.append(email)
    return recipients


async def _send_notices(
    connection: asyncpg.Connection,
    settings: AccountsSettings,
    cipher: DataCipher,
    recipients: list[str],
    subject: str,
    body: str,
) -> None:
    # One message per recipient, so no recipient receives the others' addresses.
    for recipient in recipients:
        await queue_mail(
            connection, cipher=cipher, sender=settings.mail_sender, to=recipient, subject=subject, body=body
        )


async def _names_for_notice(
    connection: asyncpg.Connection, principal: Principal, scope: AccountScope
) -> tuple[str, str]:
    """Return the principal's display name (or login) and the creditor's name, as a notice prints them."""
    row = await connection.fetchrow(
        """SELECT (SELECT coalesce(nullif(display_name, ''), login) FROM users WHERE id = $1::uuid) AS user_name,
                  (SELECT name FROM creditors WHERE id = $2) AS creditor_name""",
        principal.user_id,
        scope.creditor_id,
    )
    return row["user_name"], row["creditor_name"]


# The page of one request in the portal's back office (gateway.portal.bank_change_reviews).
REVIEW_PATH = "/back-office/demandes-bancaires/{request_id}"


async def _notify_reviewers(
    connection: asyncpg.Connection,
    settings: AccountsSettings,
    cipher: DataCipher,
    scope: AccountScope,
    creditor_name: str,
    details: BankDetails,
    request: asyncpg.Record,
) -> None:
    """Queue the review notice to the creditor's active staff users that have an e-mail address."""
    rows = await connection.fetch(
        """SELECT DISTINCT u.email FROM staff_creditors s JOIN users u ON u.id = s.user_id
            WHERE s.creditor_id = $1 AND u.disabled_at IS NULL AND u.email IS NOT NULL
            ORDER BY u.email""",
        scope.creditor_id,
    )
    if not rows:
        return
    agency_name = await connection.fetchval("SELECT name FROM agencies WHERE id = $1", scope.agency_id)
    subject, body = notices.bank_change_to_review(
        creditor_name=creditor_name,
        customer_account=scope.customer_account,
        agency_name=agency_name,
        iban_masked=details.masked_iban,
        requested_at=request["requested_at"],
        link=settings.public_url + REVIEW_PATH.format(request_id=request["id"]),
    )
    await _send_notices(connection, settings, cipher, [row["email"] for row in rows], subject, body)


async def request_change(
    pool: asyncpg.Pool,
    settings: AccountsSettings,
    cipher: DataCipher,
    principal: Principal,
    scope: AccountScope,
    details: BankDetails,
) -> dict[str, Any]:
    """Record a pending change request (after re-authentication) and notify; return the request."""
    request_id = uuid.uuid4()
    plain = dataclasses.asdict(details)
    async with pool.acquire() as connection, connection.transaction():
        previous_email = await connection.fetchval(
            "SELECT email FROM billing_details WHERE creditor_id = $1 AND customer_account = $2",
            scope.creditor_id,
            scope.customer_account,
        )
        try:
            row = await connection.fetchrow(
                """INSERT INTO bank_change_requests
                       (id, creditor_id, customer_account, agency_id, requested_by, details_encrypted,
                        iban_masked, bic, previous_billing_email)
                   VALUES ($1, $2, $3, $4, $5::uuid, $6, $7, $8, $9)
                   RETURNING *""",
                request_id,
                scope.creditor_id,
                scope.customer_account,
                scope.agency_id,
                principal.user_id,
                cipher.encrypt(json.dumps(plain).encode(), request_context(request_id)),
                details.masked_iban,
                details.bic,
                previous_email,
            )
        except asyncpg.UniqueViolationError:
            raise ChangeAlreadyPending() from None
        current = await current_details(connection, cipher, scope, full=False)
        await record_audit(
            connection,
            principal,
            subject="bank_change_request",
            action="requested",
            creditor_id=scope.creditor_id,
            customer_account=scope.customer_account,
            agency_id=scope.agency_id,
            before=current,
            after=_masked(plain) | {"request_id": str(request_id)},
        )
        await events.publish(
            connection,
            BankChangeRequested(request_id=str(request_id), iban_masked=details.masked_iban, requested_by=principal.user_id),
            creditor_id=scope.creditor_id,
            customer_account=scope.customer_account,
        )
        requester, creditor_name = await _names_for_notice(connection, principal, scope)
        subject, body = notices.bank_change_requested(
            creditor_name=creditor_name,
            customer_account=scope.customer_account,
            requester=requester,
            iban_masked=details.masked_iban,
            requested_at=row["requested_at"],
        )
        recipients = await _notice_recipients(connection, scope.agency_id, previous_email)
        await _send_notices(connection, settings, cipher, recipients, subject, body)
        await _notify_reviewers(connection, settings, cipher, scope, creditor_name, details, row)
    log.info("bank_change_requested", request_id=str(request_id), creditor=scope.creditor_id)
    return _request_json(row, current or {})


async def account_requests(connection: asyncpg.Connection, scope: AccountScope) -> list[dict[str, Any]]:
    """Return the account's change requests, newest first."""
    rows = await connection.fetch(
        """SELECT r.*, d.iban_masked AS current_iban_masked, d.bic AS current_bic
             FROM bank_change_requests r
             LEFT JOIN bank_details d ON (d.creditor_id, d.customer_account) = (r.creditor_id, r.customer_account)
            WHERE r.creditor_id = $1 AND r.customer_account = $2
            ORDER BY r.requested_at DESC""",
        scope.creditor_id,
        scope.customer_account,
    )
    return [_request_json(row) for row in rows]


async def staff_requests(
    connection: asyncpg.Connection, cipher: DataCipher, creditors: list[str] | None, status: str | None
) -> list[dict[str, Any]]:
    """Return requests of ``creditors`` (all when None) in ``status`` (any when None), oldest first.

    Besides the fields every request has, each one carries what staff need
    to judge it: ``agency_name``, ``iban_summary`` for the requested IBAN and
    for ``previous`` (see ``services.accounts.iban_summary``), and
    ``country_changed`` and ``bank_changed``.
    """
    # A decided request replaced the details of the account's previous
    # approval, because bank details change only by approving a request. The
    # LATERAL join finds that approval, whose encrypted details give the
    # replaced IBAN's country and bank.
    rows = await connection.fetch(
        """SELECT r.*, a.name AS agency_name, d.iban_masked AS current_iban_masked, d.bic AS current_bic,
                  EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                           WHERE m.user_id = r.requested_by AND m.agency_id = r.agency_id
                             AND m.role = 'administrateur' AND u.disabled_at IS NULL) AS requester_active,
                  d.details_encrypted AS current_details_encrypted,
                  p.id AS replaced_request_id, p.iban_masked AS replaced_request_iban_masked,
                  p.details_encrypted AS replaced_details_encrypted
             FROM bank_change_requests r
             JOIN agencies a ON a.id = r.agency_id
             LEFT JOIN bank_details d ON (d.creditor_id, d.customer_account) = (r.creditor_id, r.customer_account)
             LEFT JOIN LATERAL (
                  SELECT id, iban_masked, details_encrypted FROM bank_change_requests
                   WHERE creditor_id = r.creditor_id AND customer_account = r.customer_account
                     AND status = 'approved' AND decided_at < r.decided_at
                   ORDER BY decided_at DESC LIMIT 1) p ON r.status <> 'pending'
            WHERE ($1::text[] IS NULL OR r.creditor_id = ANY($1::text[]))
              AND ($2::text IS NULL OR r.status = $2)
            ORDER BY r.requested_at""",
        creditors,
        status,
    )
    return [_staff_request_json(row, cipher) for row in rows]


def _staff_request_json(row: asyncpg.Record, cipher: DataCipher) -> dict[str, Any]:
    request_id = str(row["id"])
    view = _request_json(row) | {"agency_name": row["agency_name"], "requester_active": row["requester_active"]}
    requested_iban = _decrypted_iban(cipher, row["details_encrypted"], request_context(row["id"]), request_id)
    requested = summarize_iban(requested_iban) if requested_iban else None
    view["iban_summary"] = requested.to_json() if requested else None

    previous = None
    if view["previous"] is not None:
        previous_iban = _previous_iban(row, cipher, view["previous"]["iban_masked"])
        previous = summarize_iban(previous_iban) if previous_iban else None
        view["previous"]["iban_summary"] = previous.to_json() if previous else None
    return view | compare_summaries(requested, previous, has_previous=view["previous"] is not None)


def _previous_iban(row: asyncpg.Record, cipher: DataCipher, previous_masked: str) -> str | None:
    """Return the full IBAN that the request is compared with, or None when it cannot be read."""
    request_id = str(row["id"])
    if row["status"] == "pending":
        context = details_context(row["creditor_id"], row["customer_account"])
        return _decrypted_iban(cipher, row["current_details_encrypted"], context, request_id)
    if row["replaced_request_id"] is None or row["replaced_request_iban_masked"] != previous_masked:
        # The approval found does not match the masked IBAN recorded at the
        # decision, so its details are not the ones this request replaced.
        log.warning("bank_change_replaced_details_not_found", request_id=request_id)
        return None
    context = request_context(row["replaced_request_id"])
    return _decrypted_iban(cipher, row["replaced_details_encrypted"], context, request_id)


def _decrypted_iban(cipher: DataCipher, encrypted: bytes | None, context: str, request_id: str) -> str | None:
    if encrypted is None:
        return None
    try:
        return json.loads(cipher.decrypt(encrypted, context))["iban"]
    except DecryptionFailed:
        # A key that MF_DATA_ENCRYPTION_PREVIOUS_KEYS no longer lists, or
        # tampered data. The page then shows the masked IBAN only.
        log.warning("bank_details_decryption_failed", request_id=request_id, context=context)
        return None


async def decide(
    pool: asyncpg.Pool,
    settings: AccountsSettings,
    cipher: DataCipher,
    principal: Principal,
    request_id: str,
    *,
    approve: bool,
    reason: str | None,
    creditors: list[str] | None,
) -> dict[str, Any]:
    """Approve or reject a pending request of one of ``creditors`` (any creditor when None); return it.

    Approval replaces the account's bank details. Raises NotFound for a
    request of another creditor and ChangeAlreadyDecided for one already decided.
    """
    try:
        request_uuid = uuid.UUID(request_id)
    except ValueError:
        raise _request_not_found(request_id) from None
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow("SELECT * FROM bank_change_requests WHERE id = $1 FOR UPDATE", request_uuid)
        if row is None or (creditors is not None and row["creditor_id"] not in creditors):
            raise _request_not_found(request_id)
        if row["status"] != "pending":
            raise ChangeAlreadyDecided(row["status"])
        # An agency that disables or demotes an administrateur, perhaps one it no
        # longer trusts, expects that person's pending change of bank details to
        # end with the role. The membership and user rows stay locked until the
        # approval commits, so a role change or a disabling waits for it.
        if approve and not await _requester_is_active_administrator(connection, row, lock=True):
            raise RequesterNoLongerAdministrator()
        scope = AccountScope(row["creditor_id"], row["customer_account"], row["agency_id"])
        outcome = "approved" if approve else "rejected"
        # The details in force now are the ones an approval replaces. A
        # rejection records them too, as what the request was compared with.
        decided = await connection.fetchrow(
            """UPDATE bank_change_requests AS r
                  SET status = $2, decided_by = $3::uuid, decided_at = now(), decision_reason = $4,
                      (replaced_iban_masked, replaced_bic) = (
                          SELECT d.iban_masked, d.bic FROM bank_details d
                           WHERE (d.creditor_id, d.customer_account) = (r.creditor_id, r.customer_account))
                WHERE r.id = $1 RETURNING *""",
            request_uuid,
            outcome,
            principal.user_id,
            reason,
        )
        await record_audit(
            connection,
            principal,
            subject="bank_change_request",
            action=outcome,
            creditor_id=scope.creditor_id,
            customer_account=scope.customer_account,
            agency_id=scope.agency_id,
            before={"request_id": request_id, "status": "pending"},
            after={"request_id": request_id, "status": outcome, "reason": reason},
        )
        if approve:
            await _apply(connection, cipher, principal, scope, row)
        await events.publish(
            connection,
            BankChangeDecided(
                request_id=request_id,
                outcome=outcome,
                iban_masked=row["iban_masked"],
                decided_by=principal.user_id,
                reason=reason,
            ),
            creditor_id=scope.creditor_id,
            customer_account=scope.customer_account,
        )
        creditor_name = await connection.fetchval("SELECT name FROM creditors WHERE id = $1", scope.creditor_id)
        subject, body = notices.bank_change_decided(
            creditor_name=creditor_name,
            customer_account=scope.customer_account,
            approved=approve,
            iban_masked=row["iban_masked"],
            reason=reason,
            decided_at=decided["decided_at"],
            had_previous_details=decided["replaced_iban_masked"] is not None,
        )
        recipients = await _notice_recipients(connection, scope.agency_id, row["previous_billing_email"])
        await _send_notices(connection, settings, cipher, recipients, subject, body)
    log.info("bank_change_decided", request_id=request_id, outcome=outcome, creditor=scope.creditor_id)
    return _request_json(decided)


WITHDRAWN_AS_AUTHOR_DISABLED = (
    "Retirée d’office, car son auteur a été désactivé par un administrateur de l’agence."
)
WITHDRAWN_AS_AUTHOR_DEMOTED = "Retirée d’office, car son auteur n’est plus administrateur de l’agence."


async def withdraw(
    pool: asyncpg.Pool,
    settings: AccountsSettings,
    cipher: DataCipher,
    principal: Principal,
    scope: AccountScope,
    request_id: str,
) -> dict[str, Any]:
    """Withdraw a pending request of the account in ``scope``, notify, and return the request.

    Raises NotFound for a request of another account and ChangeNotPending
    for one already decided or withdrawn. Nothing changes in the bank details.
    """
    try:
        request_uuid = uuid.UUID(request_id)
    except ValueError:
        raise _request_not_found(request_id) from None
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow(
            """SELECT * FROM bank_change_requests
                WHERE id = $1 AND creditor_id = $2 AND customer_account = $3 AND agency_id = $4
                FOR UPDATE""",
            request_uuid,
            scope.creditor_id,
            scope.customer_account,
            scope.agency_id,
        )
        if row is None:
            raise _request_not_found(request_id)
        if row["status"] != "pending":
            raise ChangeNotPending(row["status"])
        withdrawn = await _withdraw_row(connection, settings, cipher, principal, row, reason=None)
    return _request_json(withdrawn)


async def lock_pending_requests_of(
    connection: asyncpg.Connection, agency_id: uuid.UUID, user_id: str
) -> list[asyncpg.Record]:
    """Lock and return the pending requests that ``user_id`` made for the agency.

    Callers that change the user's membership (`agency_users.change_role`
    and `disable_user`) call this first. They then lock in the order of
    `decide`, request before membership, so the two cannot deadlock.
    """
    try:
        requester = uuid.UUID(user_id)
    except ValueError:
        return []
    return await connection.fetch(
        """SELECT * FROM bank_change_requests
            WHERE agency_id = $1 AND requested_by = $2 AND status = 'pending'
            ORDER BY id FOR UPDATE""",
        agency_id,
        requester,
    )


async def withdraw_locked_requests(
    connection: asyncpg.Connection,
    settings: AccountsSettings,
    cipher: DataCipher | None,
    principal: Principal,
    rows: list[asyncpg.Record],
    reason: str,
) -> None:
    """Withdraw the requests ``rows``, locked by `lock_pending_requests_of`, giving ``reason`` in the notices."""
    for row in rows:
        await _withdraw_row(connection, settings, cipher, principal, row, reason=reason)


async def _withdraw_row(
    connection: asyncpg.Connection,
    settings: AccountsSettings,
    cipher: DataCipher | None,
    principal: Principal,
    row: asyncpg.Record,
    *,
    reason: str | None,
) -> asyncpg.Record:
    """Mark the locked pending request ``row`` withdrawn by ``principal``, audit it and notify; return the new row."""
    request_id = str(row["id"])
    scope = AccountScope(row["creditor_id"], row["customer_account"], row["agency_id"])
    # As for a decision, the request keeps the details in force when it ended,
    # so staff and the agency still see what it would have replaced.
    withdrawn = await connection.fetchrow(
        """UPDATE bank_change_requests AS r
              SET status = 'withdrawn', decided_by = $2::uuid, decided_at = now(), decision_reason = $3,
                  (replaced_iban_masked, replaced_bic) = (
                      SELECT d.iban_masked, d.bic FROM bank_details d
                       WHERE (d.creditor_id, d.customer_account) = (r.creditor_id, r.customer_account))
            WHERE r.id = $1 RETURNING *""",
        row["id"],
        principal.user_id,
        reason,
    )
    await record_audit(
        connection,
        principal,
        subject="bank_change_request",
        action="withdrawn",
        creditor_id=scope.creditor_id,
        customer_account=scope.customer_account,
        agency_id=scope.agency_id,
        before={"request_id": request_id, "status": "pending"},
        after={"request_id": request_id, "status": "withdrawn", "reason": reason},
    )
    withdrawn_by, creditor_name = await _names_for_notice(connection, principal, scope)
    subject, body = notices.bank_change_withdrawn(
        creditor_name=creditor_name,
        customer_account=scope.customer_account,
        withdrawn_by=withdrawn_by,
        iban_masked=row["iban_masked"],
        withdrawn_at=withdrawn["decided_at"],
        reason=reason,
    )
    recipients = await _notice_recipients(connection, scope.agency_id, row["previous_billing_email"])
    await _send_notices(connection, settings, cipher, recipients, subject, body)
    log.info("bank_change_withdrawn", request_id=request_id, creditor=scope.creditor_id, automatic=reason is not None)
    return withdrawn


async def _requester_is_active_administrator(
    connection: asyncpg.Connection, request: asyncpg.Record, *, lock: bool = False
) -> bool:
    """Return whether the author of ``request`` is still an active administrateur of its agency."""
    return bool(
        await connection.fetchval(
            """SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                WHERE m.user_id = $1 AND m.agency_id = $2 AND m.role = 'administrateur'
                  AND u.disabled_at IS NULL"""
            + (" FOR SHARE OF m, u" if lock else ""),
            request["requested_by"],
            request["agency_id"],
        )
    )


async def _apply(
    connection: asyncpg.Connection, cipher: DataCipher, principal: Principal, scope: AccountScope, request: asyncpg.Record
) -> None:
    plain = cipher.decrypt(request["details_encrypted"], request_context(request["id"]))
    before = await current_details(connection, cipher, scope, full=False)
    await connection.execute(
        """INSERT INTO bank_details (creditor_id, customer_account, details_encrypted, iban_masked, bic, approved_request)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (creditor_id, customer_account) DO UPDATE SET
               details_encrypted = EXCLUDED.details_encrypted, iban_masked = EXCLUDED.iban_masked,
               bic = EXCLUDED.bic, approved_request = EXCLUDED.approved_request, updated_at = now()""",
        scope.creditor_id,
        scope.customer_account,
        cipher.encrypt(plain, details_context(scope.creditor_id, scope.customer_account)),
        request["iban_masked"],
        request["bic"],
        request["id"],
    )
    await record_audit(
        connection,
        principal,
        subject="bank_details",
        action="updated" if before else "created",
        creditor_id=scope.creditor_id,
        customer_account=scope.customer_account,
        agency_id=scope.agency_id,
        before={key: value for key, value in before.items() if key != "updated_at"} if before else None,
        after=_masked(json.loads(plain)),
    )
