"""Calls from the portal to the accounts service, beyond login and sessions.

They serve the screens Nous contacter, Informations compte, Sécurité,
Utilisateurs, the staff back-office of bank-detail changes, and the
password-reset and invitation links. Calls made for a logged-in user carry
the user's principal. The link pages, which have no session, call the
``/internal`` routes with the system principal.

Service errors become the shared domain errors with the service's French
message. Two statuses get classes of their own: 410 (a dead single-use
link) raises LinkExpired, and 429 (too many failed password checks, or too
many contact messages) raises TooManyAttempts.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import structlog
from aiohttp import web

from gateway.clients import ACCOUNTS, SESSION_HEADER, AccountsClient
from gateway.errors import ServiceUnavailable
from gateway.format import format_wait
from gateway.sessions import ActiveSession, SessionInfo
from shared.errors import DomainError, NotFound
from shared.web import unstorable_text_field

log = structlog.get_logger(__name__)

DEFAULT_RETRY_AFTER_SECONDS = 60


class LinkExpired(DomainError):
    """The invitation or password-reset link is unknown, expired, revoked or already used."""

    status = 410
    code = "link_invalid"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or "Ce lien n’est plus valable : il a expiré ou a déjà servi. Demandez-en un nouveau."
        )


class TooManyAttempts(DomainError):
    """Accounts limits the rate of an action: password checks after failures, or contact messages per hour."""

    status = 429
    code = "throttled"


def _segment(value: str) -> str:
    return quote(value, safe="")


def _link_segment(token: str) -> str:
    """Return the path segment of a link's token, or raise LinkExpired for a token no link can have.

    Accounts would reject a token with a NUL character with a message that names its internal
    parameter, so such a token raises the same LinkExpired as any other unknown link.
    """
    if unstorable_text_field(token) is not None:
        raise LinkExpired()
    return _segment(token)


def _revoked_count(body: dict[str, Any]) -> int:
    # An accounts service older than the count responds with 204, which _as_user turns into {}.
    count = body.get("invitations_revoked")
    return count if type(count) is int and count >= 0 else 0


def _error_of(body: Any) -> dict[str, Any]:
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


class AccountsPortalClient:
    """The accounts routes behind the portal's account screens, over the gateway's AccountsClient."""

    def __init__(self, accounts: AccountsClient) -> None:
        self._accounts = accounts

    def _raise_for_status(self, status: int, body: Any) -> None:
        if status < 400:
            return
        error = _error_of(body)
        message = error.get("message") if isinstance(error.get("message"), str) else None
        if status == 410:
            raise LinkExpired(message)
        if status == 429:
            details = error.get("details") if isinstance(error.get("details"), dict) else {}
            retry_after = details.get("retry_after")
            if not isinstance(retry_after, int | float) or retry_after <= 0:
                retry_after = DEFAULT_RETRY_AFTER_SECONDS
            limited = TooManyAttempts(
                message or f"Trop de tentatives. Réessayez dans {format_wait(retry_after)}.", retry_after=retry_after
            )
            if isinstance(error.get("code"), str):
                # Keep the service's code, such as "throttled" or "too_many_messages", for API clients.
                limited.code = error["code"]
            raise limited
        self._accounts.raise_for_status(status, body)

    def _expect_object(self, body: Any, path: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            log.error("service_invalid_response", service=self._accounts.name, path=path)
            raise ServiceUnavailable(self._accounts.name)
        return body

    async def _as_user(
        self,
        method: str,
        path: str,
        session: SessionInfo,
        *,
        json_body: Any = None,
        params: dict[str, str] | None = None,
        session_token: str | None = None,
    ) -> dict[str, Any]:
        """Call ``path`` with the user's principal and return the JSON object, or {} for 204."""
        headers = {SESSION_HEADER: session_token} if session_token else None
        status, body = await self._accounts.call(
            method,
            path,
            principal=self._accounts.user_principal(session),
            json_body=json_body,
            params=params,
            headers=headers,
        )
        self._raise_for_status(status, body)
        return {} if status == 204 else self._expect_object(body, path)

    async def _as_gateway(self, method: str, path: str, *, json_body: Any = None) -> dict[str, Any]:
        """Call an ``/internal`` route with the system principal and return the JSON object, or {} for 204."""
        status, body = await self._accounts.call_internal(method, path, json_body=json_body)
        if status == 401:
            # On these routes only the principal check responds with 401, and
            # call_internal has already raised ServiceUnavailable for its code.
            log.error("service_unexpected_status", service=self._accounts.name, path=path, status=status)
            raise ServiceUnavailable(self._accounts.name)
        self._raise_for_status(status, body)
        return {} if status == 204 else self._expect_object(body, path)

    # Nous contacter

    async def contacts(self, session: SessionInfo, creditor: str) -> dict[str, Any]:
        """Return the creditor's identity, its two service sheets and the account manager."""
        return await self._as_user("GET", f"/creditors/{_segment(creditor)}/contacts", session)

    async def send_message(self, session: SessionInfo, creditor: str, message: dict[str, Any]) -> dict[str, Any]:
        """Send a contact message (service, subject, message, invoice_numbers) and return its id and time."""
        return await self._as_user("POST", f"/creditors/{_segment(creditor)}/messages", session, json_body=message)

    async def check_message(self, session: SessionInfo, creditor: str, message: dict[str, Any]) -> None:
        """Check the role, account and fields of a contact message as send_message does, and send nothing.

        Raises Forbidden, NotFound or Unprocessable. The hourly limit and the service's e-mail address
        are checked only by send_message.
        """
        await self._as_user("POST", f"/creditors/{_segment(creditor)}/messages/validation", session, json_body=message)

    # Informations compte

    async def profile(self, session: SessionInfo, creditor: str) -> dict[str, Any]:
        """Return the main contact, billing details, masked bank details and pending bank change."""
        return await self._as_user("GET", f"/creditors/{_segment(creditor)}/profile", session)

    async def bank_details_for_edit(self, session: SessionInfo, creditor: str) -> dict[str, Any] | None:
        """Return the full bank details (IBAN unmasked) for the owner's edit form, or None when none exist."""
        body = await self._as_user("GET", f"/creditors/{_segment(creditor)}/profile/bank-details", session)
        details = body.get("bank_details")
        return details if isinstance(details, dict) else None

    async def bank_change_requests(self, session: SessionInfo, creditor: str) -> list[dict[str, Any]]:
        """Return the account's bank change requests, newest first."""
        body = await self._as_user("GET", f"/creditors/{_segment(creditor)}/bank-change-requests", session)
        requests = body.get("requests")
        return requests if isinstance(requests, list) else []

    async def update_main_contact(self, session: SessionInfo, creditor: str, values: dict[str, str]) -> dict[str, Any]:
        path = f"/creditors/{_segment(creditor)}/profile/main-contact"
        return await self._as_user("PUT", path, session, json_body=values)

    async def update_billing_details(
        self, session: SessionInfo, creditor: str, values: dict[str, str]
    ) -> dict[str, Any]:
        path = f"/creditors/{_segment(creditor)}/profile/billing-details"
        return await self._as_user("PUT", path, session, json_body=values)

    async def request_bank_change(self, session: SessionInfo, creditor: str, values: dict[str, str]) -> dict[str, Any]:
        """Request new bank details. ``values`` contains the six bank fields, password and totp_code."""
        path = f"/creditors/{_segment(creditor)}/bank-change-requests"
        return await self._as_user("POST", path, session, json_body=values)

    async def withdraw_bank_change(self, session: SessionInfo, creditor: str, request_id: str) -> dict[str, Any]:
        """Withdraw the account's pending bank change request ``request_id``."""
        path = f"/creditors/{_segment(creditor)}/bank-change-requests/{_segment(request_id)}/withdrawal"
        return await self._as_user("POST", path, session)

    # Sécurité

    async def me(self, session: SessionInfo) -> dict[str, Any]:
        """Return the user's login, e-mail, role and TOTP state."""
        return await self._as_user("GET", "/me", session)

    async def change_password(self, active: ActiveSession, values: dict[str, str]) -> int:
        """Change the password (current_password, new_password, totp_code) and return how many other sessions ended.

        The session token goes along so that accounts keeps the current session open.
        """
        body = await self._as_user("POST", "/me/password", active.info, json_body=values, session_token=active.token)
        closed = body.get("other_sessions_closed")
        return closed if isinstance(closed, int) else 0

    async def password_change_problems(self, active: ActiveSession, values: dict[str, str]) -> dict[str, str]:
        """Return, by form field, what is wrong with a password change, without making it.

        An accounts service without the check route (during an upgrade)
        gives no problem, so the caller reports what it found itself.
        """
        try:
            body = await self._as_user("POST", "/me/password/check", active.info, json_body=values)
        except NotFound:
            return {}
        problems: dict[str, str] = {}
        for problem in body.get("problems") or []:
            if isinstance(problem, dict) and isinstance(problem.get("field"), str):
                problems.setdefault(problem["field"], str(problem.get("message", "")))
        return problems

    async def revoke_other_sessions(self, active: ActiveSession) -> int:
        """End every session of the user except the current one and return how many ended."""
        path = "/me/sessions/revoke-others"
        body = await self._as_user("POST", path, active.info, json_body={}, session_token=active.token)
        closed = body.get("other_sessions_closed")
        return closed if isinstance(closed, int) else 0

    async def start_totp_enrolment(self, session: SessionInfo, password: str) -> dict[str, Any]:
        """Check the current password, create a pending TOTP secret and return ``secret`` and ``otpauth_uri``.

        Raises Unprocessable for a wrong password, TooManyAttempts after too
        many failed password checks and Conflict when TOTP is already on.
        """
        return await self._as_user("POST", "/me/totp/enrolment", session, json_body={"password": password})

    async def confirm_totp(self, session: SessionInfo, code: str) -> list[str]:
        """Activate the pending secret with a code from the app and return the recovery codes."""
        body = await self._as_user("POST", "/me/totp/confirmation", session, json_body={"code": code})
        codes = body.get("recovery_codes")
        return [code for code in codes if isinstance(code, str)] if isinstance(codes, list) else []

    async def disable_totp(self, session: SessionInfo, password: str, totp_code: str) -> None:
        await self._as_user("DELETE", "/me/totp", session, json_body={"password": password, "totp_code": totp_code})

    # Utilisateurs

    async def agency_users(self, session: SessionInfo) -> dict[str, Any]:
        """Return ``users`` and pending ``invitations`` of the user's agency."""
        return await self._as_user("GET", "/agency/users", session)

    async def invite_user(self, session: SessionInfo, values: dict[str, str]) -> dict[str, Any]:
        """Invite someone (email, role, display_name) to the agency and return the invitation."""
        return await self._as_user("POST", "/agency/invitations", session, json_body=values)

    async def revoke_invitation(self, session: SessionInfo, invitation_id: str) -> None:
        await self._as_user("DELETE", f"/agency/invitations/{_segment(invitation_id)}", session)

    async def change_role(self, session: SessionInfo, user_id: str, role: str) -> int:
        """Give ``role`` to a user of the agency and return how many of the user's invitations were revoked."""
        body = await self._as_user("PATCH", f"/agency/users/{_segment(user_id)}", session, json_body={"role": role})
        return _revoked_count(body)

    async def disable_user(self, session: SessionInfo, user_id: str) -> int:
        """Disable a user of the agency and return how many of the user's invitations were revoked."""
        body = await self._as_user("DELETE", f"/agency/users/{_segment(user_id)}", session)
        return _revoked_count(body)

    async def enable_user(self, session: SessionInfo, user_id: str) -> None:
        await self._as_user("POST", f"/agency/users/{_segment(user_id)}/enable", session)

    # Staff back-office

    async def creditor_names(self, session: SessionInfo) -> dict[str, str]:
        """Return the name of each creditor the principal may see, which for staff are the creditors they work for."""
        body = await self._as_user("GET", "/creditors", session)
        creditors = body.get("creditors")
        if not isinstance(creditors, list):
            return {}
        return {
            item["id"]: item["name"]
            for item in creditors
            if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("name"), str)
        }

    async def staff_bank_change_requests(self, session: SessionInfo, status: str) -> list[dict[str, Any]]:
        """Return the requests of the staff user's creditors in ``status`` (pending, approved, rejected or all)."""
        body = await self._as_user("GET", "/staff/bank-change-requests", session, params={"status": status})
        requests = body.get("requests")
        return requests if isinstance(requests, list) else []

    async def decide_bank_change(
        self, session: SessionInfo, request_id: str, *, approve: bool, reason: str | None
    ) -> dict[str, Any]:
        """Approve or reject a pending request with an optional comment and return the decided request."""
        action = "approve" if approve else "reject"
        path = f"/staff/bank-change-requests/{_segment(request_id)}/{action}"
        return await self._as_user("POST", path, session, json_body={"reason": reason} if reason else {})

    # Single-use links, for visitors without a session

    async def request_password_reset(self, identifier: str) -> None:
        """Request a reset e-mail. Accounts responds the same whether or not the login or e-mail exists."""
        await self._as_gateway("POST", "/internal/password-resets", json_body={"login": identifier})

    async def describe_password_reset(self, token: str) -> dict[str, Any]:
        """Return the login and expiry of a live reset link, or raise LinkExpired."""
        return await self._as_gateway("GET", f"/internal/password-resets/{_link_segment(token)}")

    async def complete_password_reset(self, token: str, password: str) -> None:
        """Set the new password and end every session of the user, or raise LinkExpired or Unprocessable."""
        await self._as_gateway("POST", f"/internal/password-resets/{_link_segment(token)}", json_body={"password": password})

    async def describe_invitation(self, token: str) -> dict[str, Any]:
        """Return the agency, role and e-mail of a live invitation, or raise LinkExpired."""
        return await self._as_gateway("GET", f"/internal/invitations/{_link_segment(token)}")

    async def accept_invitation(self, token: str, values: dict[str, str]) -> None:
        """Create the invited user (login, password, display_name), or raise LinkExpired, Conflict or Unprocessable."""
        await self._as_gateway("POST", f"/internal/invitations/{_link_segment(token)}", json_body=values)


def accounts_portal(request: web.Request) -> AccountsPortalClient:
    """Return the portal calls of the accounts service for this request's application."""
    return AccountsPortalClient(request.app[ACCOUNTS])
