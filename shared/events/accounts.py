"""Data models of the events the accounts service publishes (subjects ``accounts.*``).

Each model is the ``data`` of an ``EventEnvelope`` whose ``type`` is the
model's ``EVENT_TYPE``. No event carries a password, a token or a full IBAN.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class AccountsEvent(BaseModel):
    """Base of the accounts events: frozen, and unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    EVENT_TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1


class UserCreated(AccountsEvent):
    """A user account was created, for an agency or for a creditor's staff."""

    EVENT_TYPE: ClassVar[str] = "accounts.user.created"

    user_id: str = Field(..., description="id of the new user (UUID)", examples=["0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11"])
    login: str = Field(..., description="login as chosen, unique case-insensitively", examples=["agence.dupont"])
    kind: Literal["agency", "staff"] = Field(..., description="agency user or creditor staff", examples=["agency"])
    agency_id: str | None = Field(
        None, description="agency of an agency user (UUID); null for staff", examples=["5d6c2a9e-1e0b-4b2a-9c55-0e7b3b9f4e21"]
    )
    role: str = Field(..., description="administrateur, comptable, lecteur or staff", examples=["administrateur"])


class AccountLinked(AccountsEvent):
    """A customer account at a creditor was attached to an agency; the envelope names both."""

    EVENT_TYPE: ClassVar[str] = "accounts.account.linked"

    agency_id: str = Field(..., description="agency that now owns the account (UUID)", examples=["5d6c2a9e-1e0b-4b2a-9c55-0e7b3b9f4e21"])
    agency_name: str = Field(..., description="name of the agency", examples=["Agence Dupont Immobilier"])


class LoginThrottled(AccountsEvent):
    """Failed logins reached a limit, so further attempts are delayed."""

    EVENT_TYPE: ClassVar[str] = "accounts.login.throttled"

    scope: Literal["login", "address"] = Field(
        ..., description="which limit was reached: failures for one login, or failures from one client address", examples=["login"]
    )
    login: str = Field(..., description="login typed in the failed attempt, lower-cased; it may match no user", examples=["agence.dupont"])
    client_ip: str = Field(..., description="client address reported by the gateway", examples=["203.0.113.7"])
    failures: int = Field(..., ge=1, description="failures counted by the limit that was reached", examples=[6])
    retry_after_seconds: int = Field(..., ge=0, description="seconds before the next attempt is accepted", examples=[60])


ACCOUNTS_EVENTS: dict[str, type[AccountsEvent]] = {
    model.EVENT_TYPE: model for model in (UserCreated, AccountLinked, LoginThrottled)
}
