"""Development page /dev/courriels: the local SMTP sink's messages, only when the gateway setting is set."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import ServiceClient, unique_id
from tests.gateway.conftest import csrf_token_of
from tests.gateway.support import (
    CreditorAccount,
    accounts_with_mail,
    create_agency_member,
    create_creditor,
    wait_for_caught_mail,
)

NBSP = "\u00a0"


@pytest.fixture
async def accounts_service(engines, signer, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The accounts service with a local SMTP sink in ``tmp_path / "mail"``, as in the embedded runtime."""
    async with accounts_with_mail(engines, signer, tmp_path / "mail", public_url="http://127.0.0.1:8470") as service:
        yield service


def write_eml(folder: Path, name: str, subject: str, body: str) -> None:
    """Store a message the way the sink does: envelope header first, then the message."""
    message = EmailMessage()
    message["From"] = "Mes Factures <no-reply@mesfactures.localhost>"
    message["To"] = "dev@agence.example"
    message["Subject"] = subject
    message["Date"] = "Fri, 31 Jul 2026 12:05:00 +0000"
    message.set_content(body)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"X-Sink-Envelope-To: dev@agence.example\r\n" + message.as_bytes())


async def test_dev_mail_page_is_off_by_default(gateway):
    response = await gateway.get("/dev/courriels")

    assert response.status == 404
    assert "Page introuvable" in await response.text()


async def test_dev_mail_page_lists_reset_link(make_gateway, accounts_pool, ledger_service, tmp_path):
    mail_dir = tmp_path / "mail"
    gateway = await make_gateway(mail_dir=mail_dir)
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Courriels")
    address = f"{unique_id('dev')}@agence.example"
    user = await create_agency_member(
        accounts_pool, [CreditorAccount(creditor_id, "Presse Immo Courriels", "C9301")], role="lecteur", email=address
    )
    token = csrf_token_of(await (await gateway.get("/mot-de-passe-perdu")).text())
    await gateway.post("/mot-de-passe-perdu", data={"csrf_token": token, "identifier": user.login})
    await wait_for_caught_mail(mail_dir, lambda message: address in message.envelope_to)

    response = await gateway.get("/dev/courriels")
    page = await response.text()

    assert response.status == 200
    assert "Courriels de développement" in page
    assert "Réinitialisation de votre mot de passe Mes Factures" in page
    assert f'<dd class="mail-recipients">{address}</dd>' in page
    assert '<a href="http://127.0.0.1:8470/mot-de-passe/' in page
    assert user.login in page


async def test_dev_mail_page_escapes_and_orders_messages(make_gateway, tmp_path):
    mail_dir = tmp_path / "caught"
    write_eml(mail_dir, "20260731T120000000000Z-aaaa.eml", "Ancien message", "Premier corps")
    write_eml(mail_dir, "20260731T120500000000Z-bbbb.eml", "<script>alert(1)</script>", "Voir https://exemple.test/a?b=1&c=2.")
    gateway = await make_gateway(mail_dir=mail_dir)

    page = await (await gateway.get("/dev/courriels")).text()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<a href="https://exemple.test/a?b=1&amp;c=2">https://exemple.test/a?b=1&amp;c=2</a>.' in page
    assert page.index("&lt;script&gt;") < page.index("Ancien message")
    assert "31/07/2026 à 14:05" in page


async def test_dev_mail_page_with_empty_folder(make_gateway, tmp_path):
    gateway = await make_gateway(mail_dir=tmp_path / "absent")

    response = await gateway.get("/dev/courriels")

    assert response.status == 200
    assert "Aucun message pour l’instant." in await response.text()


def write_raw_eml(folder: Path, name: str, subject: str, charset: str) -> None:
    """Store a message whose text/plain body declares ``charset``, as a misconfigured sender may send it."""
    folder.mkdir(parents=True, exist_ok=True)
    headers = (
        "X-Sink-Envelope-To: dev@agence.example\r\n"
        "From: Mes Factures <no-reply@mesfactures.localhost>\r\n"
        "To: dev@agence.example\r\n"
        f"Subject: {subject}\r\n"
        "Date: Fri, 31 Jul 2026 12:05:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="{charset}"\r\n'
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
    )
    (folder / name).write_bytes(headers.encode("ascii") + "Bonjour, voici votre lien.\r\n".encode("latin-1"))


@pytest.mark.parametrize(
    ("charset", "expected"),
    [
        ("x-inconnu", f"(corps illisible{NBSP}: «{NBSP}x-inconnu{NBSP}» n’est pas un jeu de caractères connu pour du texte)"),
        ("rot13", f"(corps illisible{NBSP}: «{NBSP}rot13{NBSP}» n’est pas un jeu de caractères connu pour du texte)"),
        ("idna", f"(corps illisible{NBSP}: le texte ne se décode pas avec le jeu de caractères «{NBSP}idna{NBSP}»)"),
    ],
)
async def test_unreadable_body_explained_in_french(make_gateway, tmp_path, charset, expected):
    mail_dir = tmp_path / "caught"
    write_raw_eml(mail_dir, "20260731T120000000000Z-cccc.eml", "Message illisible", charset)
    gateway = await make_gateway(mail_dir=mail_dir)

    response = await gateway.get("/dev/courriels")
    page = html.unescape(await response.text())

    assert response.status == 200
    assert expected in page
    assert "unknown encoding" not in page
    assert "not a text encoding" not in page
    assert "codec" not in page
