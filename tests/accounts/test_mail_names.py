"""Names and logins that users choose, as the accounts service's e-mails show them."""

from __future__ import annotations

from datetime import UTC, datetime

from services.accounts.notices import mail_name, password_changed, password_reset

NBSP = "\u00a0"
EXPIRES_AT = datetime(2026, 7, 31, 12, 5, tzinfo=UTC)
NAMES_NOTE = (
    f"Par sécurité, les adresses web des noms et identifiants cités dans ce message ne sont pas "
    f"cliquables{NBSP}: «{NBSP}[.]{NBSP}» y remplace le point."
)


def test_mail_name_defuses_url():
    assert mail_name("Règlement sur https://paiement.example/carte") == "Règlement sur paiement[.]example/carte"


def test_mail_name_apostrophe_and_host():
    assert mail_name("Clés de l'île www.cles.example") == "Clés de l’île www[.]cles[.]example"


def test_mail_name_plain_name_unchanged():
    assert mail_name("Jeanne Martin") == "Jeanne Martin"


def test_reset_mail_defuses_login():
    subject, body = password_reset(
        login="https://evil.example/x", link="https://portail.example/reinitialisation/abc", expires_at=EXPIRES_AT
    )

    assert "de l’identifiant evil[.]example/x a été demandé" in body
    assert NAMES_NOTE in body
    assert "evil.example" not in body
    assert "https://portail.example/reinitialisation/abc" in body
    assert "evil" not in subject


def test_reset_mail_plain_login_has_no_note():
    _subject, body = password_reset(login="jmartin", link="https://portail.example/x", expires_at=EXPIRES_AT)

    assert "de l’identifiant jmartin a été demandé" in body
    assert "cliquables" not in body


def test_password_changed_mail_defuses_login():
    _subject, body = password_changed(login="jean@agence.example", changed_at=EXPIRES_AT)

    assert "de l’identifiant jean@agence[.]example a été modifié" in body
    assert NAMES_NOTE in body
