"""HTTP clients of the services, which sign a principal for every call.

User calls carry a principal built from the user's session. Calls to
``/internal/*`` on accounts carry a ``system`` principal with user id
``gateway``. Each principal lives 60 s. Every call forwards the request id.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import quote
from typing import Any

import aiohttp
from aiohttp import web
import structlog
from pydantic import BaseModel, ConfigDict, ValidationError

from gateway.errors import (
    InvalidCredentials,
    LoginThrottled,
    SecondFactorInvalid,
    SecondFactorRequired,
    ServiceUnavailable,
)
from gateway.format import format_wait
from gateway.query_values import check_values
from gateway.sessions import SessionInfo
from shared.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable
from shared.principal import PRINCIPAL_HEADER, PrincipalSigner, Role
from shared.web import REQUEST_ID_HEADER

log = structlog.get_logger(__name__)

SESSION_HEADER = "X-MF-Session"
PRINCIPAL_LIFETIME_SECONDS = 60
# A FEC file of a few hundred thousand lines imports in a few seconds (an
# estimate from docs/benchmarks.md). The limit leaves room for the largest
# files the ledger accepts (256 MB).
IMPORT_TIMEOUT_SECONDS = 600.0
GATEWAY_USER_ID = "gateway"
HEALTH_TIMEOUT_SECONDS = 2.0
PRINCIPAL_REJECTED_CODE = "unauthenticated"

ERROR_CLASSES: dict[int, type[DomainError]] = {
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: Unprocessable,
}
DEFAULT_MESSAGES = {
    403: "Vous n’avez pas les droits nécessaires pour cette action.",
    404: "Ce document ou ce compte est introuvable.",
    409: "Cette action n’est plus possible dans l’état actuel du dossier.",
    422: "Une valeur saisie est invalide. Corrigez-la puis recommencez.",
}


class Creditor(BaseModel):
    """A creditor at which the agency has an account."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str


@dataclass(frozen=True)
class LoginResult:
    """A fresh session token and the session it opens."""

    token: str
    session: SessionInfo


def current_request_id() -> str | None:
    """Return the request id bound by the request middleware, if any."""
    return structlog.contextvars.get_contextvars().get("request_id")


def service_error(service: str, status: int, body: Any) -> DomainError:
    """Build the domain error that matches a service's 4xx response, keeping its French message."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    message = error.get("message") if isinstance(error.get("message"), str) else None
    details = error.get("details") if isinstance(error.get("details"), dict) else {}
    error_class = ERROR_CLASSES.get(status)
    if error_class is None:
        log.error("service_unexpected_status", service=service, status=status, code=error.get("code"))
        return ServiceUnavailable(service)
    instance = error_class(message or DEFAULT_MESSAGES[status], **details)
    if isinstance(error.get("code"), str):
        # Keep the service's precise code (for example "invalid_filter") for API clients.
        instance.code = error["code"]
    return instance


class ServiceClient:
    """HTTP client of one service, which maps its error responses to domain errors."""

    def __init__(self, name: str, base_url: str, http: aiohttp.ClientSession, signer: PrincipalSigner) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._http = http
        self._signer = signer

    def user_principal(self, session: SessionInfo) -> str:
        return self._signer.issue(
            PRINCIPAL_LIFETIME_SECONDS,
            user_id=session.user_id,
            agency_id=session.agency_id,
            role=session.role,
            accounts=session.accounts,
            staff_creditors=session.staff_creditors,
            audience=self.name,
        )

    def system_principal(self) -> str:
        return self._signer.issue(
            PRINCIPAL_LIFETIME_SECONDS, user_id=GATEWAY_USER_ID, agency_id=None, role=Role.SYSTEM, audience=self.name
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        principal: str,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        timeout_seconds: float | None = None,
        principal_rejection_is_error: bool = True,
    ) -> tuple[int, Any]:
        """Send one request and return ``(status, parsed JSON or None)``.

        The body is ``json_body`` as JSON, or ``data`` as given (bytes or a
        stream). ``timeout_seconds`` replaces the gateway's service timeout.

        Raises ServiceUnavailable when the service cannot be reached, times
        out, responds with 5xx or sends a body that is not JSON. A 401 also raises
        it, because it means the service rejected the gateway's principal
        (mismatched keys), unless ``principal_rejection_is_error`` is false
        for routes whose 401 means a bad login or session.
        """
        all_headers = {PRINCIPAL_HEADER: principal, **(headers or {})}
        request_id = current_request_id()
        if request_id:
            all_headers[REQUEST_ID_HEADER] = request_id
        url = f"{self.base_url}{path}"
        options: dict[str, Any] = {"json": json_body} if data is None else {"data": data}
        if timeout_seconds is not None:
            options["timeout"] = aiohttp.ClientTimeout(total=timeout_seconds)
        try:
            async with self._http.request(method, url, params=params, headers=all_headers, **options) as response:
                status = response.status
                if status >= 500:
                    log.error("service_failed", service=self.name, path=path, status=status)
                    raise ServiceUnavailable(self.name)
                body = None if status == 204 else await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            log.error("service_unreachable", service=self.name, path=path, error=repr(error))
            raise ServiceUnavailable(self.name) from error
        if status == 401 and principal_rejection_is_error:
            log.error("service_rejected_principal", service=self.name, path=path)
            raise ServiceUnavailable(self.name)
        return status, body

    def raise_for_status(self, status: int, body: Any) -> None:
        if status >= 400:
            raise service_error(self.name, status, body)


class AccountsClient(ServiceClient):
    """Logins, sessions and creditors of the accounts service."""

    async def log_in(self, login: str, password: str, client_ip: str, totp_code: str | None = None) -> LoginResult:
        """Open a session, or raise InvalidCredentials, SecondFactorRequired, SecondFactorInvalid or LoginThrottled.

        ``totp_code`` is the TOTP or recovery code of a user enrolled in TOTP.
        """
        payload = {"login": login, "password": password, "client_ip": client_ip}
        if totp_code:
            payload["totp_code"] = totp_code
        status, body = await self.call_internal("POST", "/internal/logins", json_body=payload)
        if status == 401 and _error_code(body) == SecondFactorRequired.code:
            raise SecondFactorRequired()
        if status == 401 and _error_code(body) == SecondFactorInvalid.code:
            raise SecondFactorInvalid()
        if status in (401, 422):
            # 422 means a login or password that accounts cannot accept, such as an
            # over-long one. The user gets the same generic message as for a wrong password.
            raise InvalidCredentials()
        if status == 429:
            retry_after = _positive_number(_error_details(body).get("retry_after"), default=60)
            raise LoginThrottled(
                f"Trop de tentatives de connexion. Réessayez dans {format_wait(retry_after)}.",
                retry_after=retry_after,
            )
        self.raise_for_status(status, body)
        try:
            return LoginResult(token=body["session_token"], session=SessionInfo.model_validate(body["session"]))
        except (KeyError, TypeError, ValidationError) as error:
            log.error("service_invalid_response", service=self.name, path="/internal/logins", error=repr(error))
            raise ServiceUnavailable(self.name) from error

    async def current_session(self, token: str) -> SessionInfo | None:
        """Return the session of ``token``, or None when accounts responds with 401 or 404."""
        status, body = await self.call_internal(
            "GET", "/internal/sessions/current", headers={SESSION_HEADER: token}
        )
        if status in (401, 404):
            return None
        self.raise_for_status(status, body)
        try:
            return SessionInfo.model_validate(body)
        except ValidationError as error:
            log.error("service_invalid_response", service=self.name, path="/internal/sessions/current", error=repr(error))
            raise ServiceUnavailable(self.name) from error

    async def revoke_session(self, token: str) -> None:
        """Revoke the session of ``token``. An unknown or expired token is not an error."""
        status, body = await self.call_internal(
            "DELETE", "/internal/sessions/current", headers={SESSION_HEADER: token}
        )
        if status not in (204, 401, 404):
            self.raise_for_status(status, body)

    async def list_creditors(self, session: SessionInfo) -> list[Creditor]:
        """Return the creditors of the session's agency, limited to the session's accounts."""
        status, body = await self.call("GET", "/creditors", principal=self.user_principal(session))
        self.raise_for_status(status, body)
        try:
            creditors = [Creditor.model_validate(item) for item in body["creditors"]]
        except (KeyError, TypeError, ValidationError) as error:
            log.error("service_invalid_response", service=self.name, path="/creditors", error=repr(error))
            raise ServiceUnavailable(self.name) from error
        # accounts filters by principal already. Filtering again keeps a foreign
        # creditor off the screen even if that filter ever regresses.
        allowed = {account.creditor for account in session.accounts}
        return [creditor for creditor in creditors if creditor.id in allowed]

    async def call_internal(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """Call an ``/internal`` route with the system principal.

        There a 401 means a bad login or session. The exception is code
        ``unauthenticated``, which the principal check returns when the key
        pair is misconfigured, so that case raises ServiceUnavailable.
        """
        status, body = await self.call(
            method, path, principal=self.system_principal(), principal_rejection_is_error=False, **kwargs
        )
        if status == 401 and _error_code(body) == PRINCIPAL_REJECTED_CODE:
            log.error("service_rejected_principal", service=self.name, path=path)
            raise ServiceUnavailable(self.name)
        return status, body


class LedgerClient(ServiceClient):
    """Statements and ageing summaries of the ledger service."""

    async def statement(self, session: SessionInfo, creditor: str, filters: dict[str, str]) -> dict[str, Any]:
        """Return the ledger's statement JSON for ``creditor``, or raise NotFound or Unprocessable.

        A filter with a NUL character raises UnallowedCharacter without calling the ledger.
        """
        check_values(filters)
        status, body = await self.call(
            "GET",
            f"/creditors/{quote(creditor, safe='')}/statement",
            principal=self.user_principal(session),
            params=filters,
        )
        self.raise_for_status(status, body)
        if not isinstance(body, dict) or not isinstance(body.get("rows"), list):
            log.error("service_invalid_response", service=self.name, path="/statement")
            raise ServiceUnavailable(self.name)
        return body

    async def ageing(self, session: SessionInfo, creditor: str) -> dict[str, Any]:
        """Return the ledger's ageing JSON for ``creditor`` (five buckets and a total), or raise NotFound."""
        status, body = await self.call(
            "GET", f"/creditors/{quote(creditor, safe='')}/ageing", principal=self.user_principal(session)
        )
        self.raise_for_status(status, body)
        if not isinstance(body, dict) or not isinstance(body.get("buckets"), list):
            log.error("service_invalid_response", service=self.name, path="/ageing")
            raise ServiceUnavailable(self.name)
        return body


    async def import_fec(
        self, session: SessionInfo, creditor: str, content: Any, content_length: int, params: dict[str, str]
    ) -> dict[str, Any]:
        """Stream a FEC file to the ledger's import and return its summary, or raise its 4xx as a domain error.

        The ledger lets only the creditor's staff import, and checks it from the principal.
        """
        status, body = await self.call(
            "POST",
            f"/creditors/{quote(creditor, safe='')}/imports/fec",
            principal=self.user_principal(session),
            params=params,
            data=content,
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(content_length)},
            timeout_seconds=IMPORT_TIMEOUT_SECONDS,
        )
        self.raise_for_status(status, body)
        if not isinstance(body, dict):
            log.error("service_invalid_response", service=self.name, path="/imports/fec")
            raise ServiceUnavailable(self.name)
        return body


async def probe_health(http: aiohttp.ClientSession, name: str, base_url: str) -> str | None:
    """Return None when the service's /healthz returns 200, else a short description of the problem."""
    url = f"{base_url.rstrip('/')}/healthz"
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_SECONDS)) as response:
            if response.status == 200:
                return None
            return f"{name}: /healthz returned {response.status}"
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return f"{name}: /healthz failed ({error.__class__.__name__})"


def _positive_number(value: Any, *, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def _error_of(body: Any) -> dict[str, Any]:
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _error_code(body: Any) -> str | None:
    code = _error_of(body).get("code")
    return code if isinstance(code, str) else None


def _error_details(body: Any) -> dict[str, Any]:
    details = _error_of(body).get("details")
    return details if isinstance(details, dict) else {}


HTTP_SESSION = web.AppKey("http_session", aiohttp.ClientSession)
ACCOUNTS = web.AppKey("accounts_client", AccountsClient)
LEDGER = web.AppKey("ledger_client", LedgerClient)
