"""The signed, short-lived principal the gateway passes to each service.

The gateway signs with an Ed25519 private key; services hold only the public
key, so a compromised service cannot mint principals for another agency.
Wire format: ``base64url(json) "." base64url(signature)`` in the
``X-MF-Principal`` header.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, PrivateFormat, NoEncryption
from pydantic import BaseModel, ConfigDict, Field, ValidationError

PRINCIPAL_HEADER = "X-MF-Principal"
DEFAULT_LIFETIME_SECONDS = 60
CLOCK_SKEW_SECONDS = 5


class Role(StrEnum):
    """Role of a user: agency roles first, then creditor staff and the system."""

    ADMIN = "administrateur"
    ACCOUNTANT = "comptable"
    READER = "lecteur"
    STAFF = "staff"
    SYSTEM = "system"


class AccountRef(BaseModel):
    """A customer account of the agency at one creditor."""

    model_config = ConfigDict(frozen=True)

    creditor: str
    customer_account: str


class Principal(BaseModel):
    """Identity of the caller: user, agency, role and accounts."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    agency_id: str | None = None
    role: Role
    accounts: tuple[AccountRef, ...] = ()
    staff_creditors: tuple[str, ...] = Field(
        (), description="creditors a staff user works for (empty for agency users)"
    )
    audience: str | None = Field(
        None, description="name of the one service the principal is for, such as ledger; the others refuse it"
    )
    expires_at: float

    def account_at(self, creditor: str) -> str | None:
        """Return the principal's customer account at ``creditor``, if any."""
        for account in self.accounts:
            if account.creditor == creditor:
                return account.customer_account
        return None

    def may_read(self, creditor: str, customer_account: str) -> bool:
        if self.role in (Role.SYSTEM,):
            return True
        if self.role is Role.STAFF:
            return creditor in self.staff_creditors
        return AccountRef(creditor=creditor, customer_account=customer_account) in self.accounts


class InvalidPrincipal(Exception):
    """The principal header is missing, forged, malformed or expired."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_keypair() -> tuple[str, str]:
    """Return ``(private, public)`` raw Ed25519 keys, base64-encoded."""
    private = Ed25519PrivateKey.generate()
    private_raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public_raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(private_raw).decode(), base64.b64encode(public_raw).decode()


class PrincipalSigner:
    """Signs principals (gateway side)."""

    def __init__(self, private_key_b64: str) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key_b64))

    def sign(self, principal: Principal) -> str:
        body = principal.model_dump_json().encode()
        return f"{_b64encode(body)}.{_b64encode(self._key.sign(body))}"

    def issue(self, lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS, **fields: object) -> str:
        """Build and sign a principal valid for ``lifetime_seconds``."""
        principal = Principal(expires_at=time.time() + lifetime_seconds, **fields)
        return self.sign(principal)


class PrincipalVerifier:
    """Verifies principals (service side) with the gateway's public key, or a previous one during a key rotation.

    With an ``audience``, the verifier also refuses a principal meant for
    another service, so a compromised service cannot replay the principals
    it receives against the others.
    """

    def __init__(
        self, public_key_b64: str, previous_public_keys_b64: Sequence[str] = (), *, audience: str | None = None
    ) -> None:
        self._audience = audience
        if not public_key_b64:
            raise ValueError("MF_PRINCIPAL_PUBLIC_KEY is empty: set it to the gateway's base64 Ed25519 public key")
        self._keys = [_public_key(public_key_b64, "MF_PRINCIPAL_PUBLIC_KEY")]
        for position, previous in enumerate(previous_public_keys_b64, start=1):
            self._keys.append(_public_key(previous, f"key {position} of MF_PRINCIPAL_PREVIOUS_PUBLIC_KEYS"))

    def verify(self, token: str | None) -> Principal:
        if not token:
            raise InvalidPrincipal("missing principal")
        body_part, _, signature_part = token.partition(".")
        try:
            body = _b64decode(body_part)
            signature = _b64decode(signature_part)
        except ValueError as error:
            raise InvalidPrincipal("principal signature is invalid") from error
        if not any(_signed_by(key, signature, body) for key in self._keys):
            raise InvalidPrincipal("principal signature is invalid")
        try:
            principal = Principal.model_validate_json(body)
        except ValidationError as error:
            raise InvalidPrincipal("principal payload is malformed") from error
        if principal.expires_at + CLOCK_SKEW_SECONDS < time.time():
            raise InvalidPrincipal("principal has expired")
        if self._audience is not None and principal.audience != self._audience:
            raise InvalidPrincipal("principal is meant for another service")
        return principal


def _public_key(text: str, name: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError:
        raise ValueError(f"{name} is not a base64 raw Ed25519 public key of 32 bytes") from None


def _signed_by(key: Ed25519PublicKey, signature: bytes, body: bytes) -> bool:
    try:
        key.verify(signature, body)
    except InvalidSignature:
        return False
    return True
