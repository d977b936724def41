"""The TOTP confirmation form draws again only a provisioning URI that the accounts service could have made."""

from __future__ import annotations

from urllib.parse import quote

import pyotp
import pytest
import structlog

from tests.gateway.browsers import security_token

CONFIRMATION_PATH = "/securite/double-authentification/confirmation"


def error_events(events: list[dict]) -> list[dict]:
    return [event for event in events if event["log_level"] in ("error", "critical", "exception")]


def forged_uris(login: str) -> dict[str, str]:
    """Return posted URIs, named by what is wrong with them, that the accounts service never makes for ``login``."""
    secret = pyotp.random_base32()
    return {
        # Too long for any QR code, so segno raised DataOverflowError when the page drew it.
        "secret of 4000 characters": "otpauth://totp/x?secret=" + "A" * 4000,
        "another login": pyotp.TOTP(secret).provisioning_uri(name="intrus", issuer_name="Mes Factures"),
        "another issuer": pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name="Autre service"),
        "short secret": f"otpauth://totp/Mes%20Factures:{quote(login)}?secret=ABCDEFGH&issuer=Mes%20Factures",
        "extra parameter": pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name="Mes Factures") + "&digits=8",
        "lower-case secret": pyotp.TOTP(secret.lower()).provisioning_uri(name=login, issuer_name="Mes Factures"),
    }


@pytest.mark.parametrize(
    "case",
    ["secret of 4000 characters", "another login", "another issuer", "short secret", "extra parameter", "lower-case secret"],
)
async def test_forged_uri_redirects(logged_in, portal_data, case):
    token = await security_token(logged_in)
    uri = forged_uris(portal_data.agency.login)[case]

    with structlog.testing.capture_logs() as events:
        response = await logged_in.post(
            CONFIRMATION_PATH, data={"csrf_token": token, "otpauth_uri": uri, "code": "000000"}, allow_redirects=False
        )

    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/securite"
    assert error_events(events) == []
