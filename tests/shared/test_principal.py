"""Principal signatures: the current public key, previous keys during a rotation, and forged tokens."""

from __future__ import annotations

import pytest

from shared.principal import InvalidPrincipal, PrincipalSigner, PrincipalVerifier, Role, generate_keypair
from shared.settings import ServiceSettings


def signed_token(private_key: str) -> str:
    return PrincipalSigner(private_key).issue(user_id="user-1", role=Role.READER)


def test_current_key_verifies():
    private, public = generate_keypair()

    principal = PrincipalVerifier(public).verify(signed_token(private))

    assert principal.user_id == "user-1"


def test_previous_key_verifies_during_rotation():
    old_private, old_public = generate_keypair()
    new_private, new_public = generate_keypair()
    verifier = PrincipalVerifier(new_public, [old_public])

    assert verifier.verify(signed_token(old_private)).user_id == "user-1"
    assert verifier.verify(signed_token(new_private)).user_id == "user-1"


def test_unlisted_key_is_rejected():
    old_private, _ = generate_keypair()
    _, new_public = generate_keypair()
    _, other_public = generate_keypair()

    with pytest.raises(InvalidPrincipal, match="signature is invalid"):
        PrincipalVerifier(new_public, [other_public]).verify(signed_token(old_private))


def test_tampered_body_is_rejected():
    private, public = generate_keypair()
    body, _, signature = signed_token(private).partition(".")

    with pytest.raises(InvalidPrincipal, match="signature is invalid"):
        PrincipalVerifier(public).verify(f"{body}x.{signature}")


def test_invalid_previous_key_is_named():
    _, public = generate_keypair()

    with pytest.raises(ValueError, match="key 2 of MF_PRINCIPAL_PREVIOUS_PUBLIC_KEYS"):
        PrincipalVerifier(public, [public, "bm90IGEga2V5"])


def test_previous_keys_setting_is_split(monkeypatch):
    first, second = generate_keypair()[1], generate_keypair()[1]
    monkeypatch.setenv("MF_PRINCIPAL_PREVIOUS_PUBLIC_KEYS", f"{first}, {second}")

    settings = ServiceSettings(database_url="postgresql://ledger:x@127.0.0.1:5432/ledger")

    assert settings.previous_principal_keys() == [first, second]


def test_verifier_refuses_other_audience():
    private, public = generate_keypair()
    signer = PrincipalSigner(private)
    verifier = PrincipalVerifier(public, audience="accounts")

    accepted = verifier.verify(signer.issue(user_id="user-1", role=Role.READER, audience="accounts"))

    assert accepted.audience == "accounts"
    with pytest.raises(InvalidPrincipal, match="meant for another service"):
        verifier.verify(signer.issue(user_id="user-1", role=Role.READER, audience="ledger"))
    with pytest.raises(InvalidPrincipal, match="meant for another service"):
        verifier.verify(signer.issue(user_id="user-1", role=Role.READER))
