"""Invoice PDFs, statement exports and ageing relayed from the real ledger through the gateway."""

from __future__ import annotations

import asyncio
import io
from html import unescape

import aiohttp
import pytest
from aiohttp import web
from pypdf import PdfReader
from yarl import URL

from gateway.portal.documents import document_pdf_url
from tests.gateway.conftest import closed_port_url, log_in
from tests.gateway.support import FecBuilder, days_ago, give_creditor_identity, import_fec

NO_STORE = "no-store"


def api_base(creditor: str) -> str:
    return f"/api/v1/creditors/{creditor}"


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
async def with_identity(logged_in, portal_data, ledger_service):
    """The logged-in gateway, with a legal identity for the first creditor so its PDFs render."""
    await give_creditor_identity(ledger_service, portal_data.first)
    return logged_in


async def test_api_document_pdf_relays_pdf(with_identity, portal_data):
    response = await with_identity.get(f"{api_base(portal_data.first.id)}/documents/FA-0002/pdf")
    content = await response.read()

    assert response.status == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="{portal_data.first.id}-FA-0002.pdf"'
    assert response.headers["Content-Length"] == str(len(content))
    assert content.startswith(b"%PDF-")
    assert "FA-0002" in pdf_text(content)


async def test_api_document_pdf_is_not_kept(with_identity, portal_data):
    response = await with_identity.get(f"{api_base(portal_data.first.id)}/documents/FA-0002/pdf")

    assert response.headers["Cache-Control"] == NO_STORE
    assert response.headers["ETag"].startswith('"')
    assert "Last-Modified" in response.headers


async def test_api_document_pdf_not_modified(with_identity, portal_data):
    path = f"{api_base(portal_data.first.id)}/documents/FA-0002/pdf"
    first = await with_identity.get(path)
    etag = first.headers["ETag"]

    again = await with_identity.get(path, headers={"If-None-Match": etag})
    body = await again.read()

    assert again.status == 304
    assert body == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == NO_STORE


async def test_document_pdf_keeps_security_headers(with_identity, portal_data):
    response = await with_identity.get(f"{api_base(portal_data.first.id)}/documents/FA-0002/pdf")

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert len(response.headers["X-Request-Id"]) >= 16


async def test_portal_document_pdf_matches_api(with_identity, portal_data):
    api = await with_identity.get(f"{api_base(portal_data.first.id)}/documents/FA-0001/pdf")
    portal = await with_identity.get(document_pdf_url(portal_data.first.id, "FA-0001"))

    assert portal.status == 200
    assert portal.headers["Content-Type"] == "application/pdf"
    assert portal.headers["Cache-Control"] == NO_STORE
    assert portal.headers["ETag"] == api.headers["ETag"]
    assert await portal.read() == await api.read()


async def test_portal_document_pdf_not_modified(with_identity, portal_data):
    url = document_pdf_url(portal_data.first.id, "FA-0001")
    etag = (await with_identity.get(url)).headers["ETag"]

    again = await with_identity.get(url, headers={"If-None-Match": etag})

    assert again.status == 304


async def test_document_number_with_spaces_and_slash(with_identity, portal_data, ledger_service):
    fec = FecBuilder()
    fec.invoice("C1001", "FA  220001", days_ago(4), "48.00")
    fec.invoice("C1001", "FA/2026/7", days_ago(4), "60.00")
    await import_fec(ledger_service, portal_data.first.id, fec)

    spaced = await with_identity.get(document_pdf_url(portal_data.first.id, "FA  220001"))
    slashed = await with_identity.get(document_pdf_url(portal_data.first.id, "FA/2026/7"))

    assert document_pdf_url(portal_data.first.id, "FA  220001").endswith("/documents/FA%20%20220001.pdf")
    assert document_pdf_url(portal_data.first.id, "FA/2026/7").endswith("/documents/FA%2F2026%2F7.pdf")
    assert spaced.status == 200
    assert "FA  220001" in pdf_text(await spaced.read())
    assert slashed.status == 200
    assert "FA/2026/7" in pdf_text(await slashed.read())


async def test_foreign_creditor_document_is_ledger_404(with_identity, portal_data):
    response = await with_identity.get(f"{api_base(portal_data.foreign.id)}/documents/FX-0001/pdf")
    body = await response.json()

    assert response.status == 404
    # This code comes from the ledger's own check, since the gateway forwards without checking.
    assert body["error"]["code"] == "document_not_found"
    assert "FX-0001" in body["error"]["message"]


async def test_foreign_document_own_creditor_404(with_identity, portal_data):
    response = await with_identity.get(f"{api_base(portal_data.first.id)}/documents/FX-0001/pdf")
    body = await response.json()

    assert response.status == 404
    assert body["error"]["code"] == "document_not_found"


async def test_portal_missing_document_is_french_page(with_identity, portal_data):
    response = await with_identity.get(document_pdf_url(portal_data.first.id, "FA-9999"))
    html = unescape(await response.text())

    assert response.status == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Document n°\u00a0FA-9999 introuvable pour votre compte." in html


@pytest.mark.parametrize("number", [".", "..", "..."])
async def test_api_dots_only_number_404(with_identity, portal_data, number, capsys):
    # Built as an encoded absolute URL, because the test client would resolve "%2E" segments itself.
    path = f"{api_base(portal_data.first.id)}/documents/{'%2E' * len(number)}/pdf"
    url = URL(str(with_identity.make_url("/")).rstrip("/") + path, encoded=True)
    response = await with_identity.session.get(url)
    body = await response.json()

    assert response.status == 404
    assert body["error"]["code"] == "document_not_found"
    assert f"Document n°\u00a0{number} introuvable" in body["error"]["message"]
    assert "service_invalid_response" not in capsys.readouterr().err


async def test_portal_dots_only_number_404(with_identity, portal_data):
    response = await with_identity.get(f"/creanciers/{portal_data.first.id}/documents/%2E%2E.pdf")
    html = unescape(await response.text())

    assert response.status == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "introuvable pour votre compte" in html


async def test_api_statement_csv_relays_file(logged_in, portal_data):
    response = await logged_in.get(
        f"{api_base(portal_data.first.id)}/statement.csv", params={"view": "all", "number": "FA-0003"}
    )
    raw = await response.read()
    lines = raw.decode("utf-8-sig").splitlines()

    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="releve-{portal_data.first.id}-C1001.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert raw.startswith(b"\xef\xbb\xbf")
    assert lines[0].startswith("Désignation;")
    assert len(lines) == 2
    assert lines[1].startswith("Facture n°\u00a0FA-0003;FA-0003;")


async def test_portal_statement_csv_keeps_filters(logged_in, portal_data):
    response = await logged_in.get(f"/creanciers/{portal_data.first.id}/releve.csv?view=all&number=VIR")
    lines = (await response.read()).decode("utf-8-sig").splitlines()

    assert response.status == 200
    assert [line.split(";")[1] for line in lines[1:]] == ["VIR-501", "VIR-120"]


async def test_foreign_creditor_csv_is_404(logged_in, portal_data):
    response = await logged_in.get(f"{api_base(portal_data.foreign.id)}/statement.csv")
    body = await response.json()

    assert response.status == 404
    assert body["error"]["message"].startswith("Ce créancier est introuvable parmi ceux de votre agence.")


async def test_api_statement_pdf_relays_file(logged_in, portal_data):
    response = await logged_in.get(f"{api_base(portal_data.first.id)}/statement.pdf", params={"view": "all"})
    text = pdf_text(await response.read())

    assert response.status == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="releve-{portal_data.first.id}-C1001.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    assert text.startswith("Relevé de compte")
    assert "Presse Immo Ouest" in text
    assert "Total (6 écritures)" in text


async def test_portal_statement_pdf_keeps_filters(logged_in, portal_data):
    response = await logged_in.get(f"/creanciers/{portal_data.first.id}/releve.pdf?view=all&number=FA-0003")
    text = pdf_text(await response.read())

    assert response.status == 200
    assert "Total (1 écriture)" in text
    assert "Facture n°\u00a0FA-0003" in text


async def test_statement_pdf_invalid_filter_is_422(logged_in, portal_data):
    api = await logged_in.get(f"{api_base(portal_data.first.id)}/statement.pdf", params={"date_from": "31/07/2026"})
    portal = await logged_in.get(f"/creanciers/{portal_data.first.id}/releve.pdf?date_from=31/07/2026")
    body = await api.json()

    assert api.status == 422
    assert body["error"]["code"] == "invalid_filter"
    assert portal.status == 422
    assert "format attendu AAAA-MM-JJ" in unescape(await portal.text())


async def test_foreign_creditor_statement_pdf_is_404(logged_in, portal_data):
    response = await logged_in.get(f"{api_base(portal_data.foreign.id)}/statement.pdf")

    assert response.status == 404


async def test_api_ageing_relays_json(logged_in, portal_data):
    response = await logged_in.get(f"{api_base(portal_data.first.id)}/ageing")
    body = await response.json()
    amounts = {bucket["key"]: bucket["amount"] for bucket in body["buckets"]}

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    assert amounts == {
        "not_due": "2734.56",
        "days_1_30": "240.00",
        "days_31_60": "0.00",
        "days_61_90": "0.00",
        "over_90": "0.00",
    }
    assert body["total"] == "2974.56"


async def test_foreign_creditor_ageing_is_404(logged_in, portal_data):
    response = await logged_in.get(f"{api_base(portal_data.foreign.id)}/ageing")
    body = await response.json()

    assert response.status == 404
    assert body["error"]["code"] == "not_found"


async def test_ledger_files_require_session(gateway, portal_data):
    for path in (
        f"{api_base(portal_data.first.id)}/documents/FA-0001/pdf",
        f"{api_base(portal_data.first.id)}/statement.csv",
        f"{api_base(portal_data.first.id)}/statement.pdf",
        f"{api_base(portal_data.first.id)}/ageing",
    ):
        response = await gateway.get(path)

        assert response.status == 401, path


async def test_portal_file_login_redirect(gateway, portal_data):
    url = document_pdf_url(portal_data.first.id, "FA-0001")

    response = await gateway.get(url, allow_redirects=False)

    assert response.status == 302
    assert response.headers["Location"].startswith("/connexion?suite=")


async def test_ledger_down_gives_503(make_gateway, portal_data):
    gateway = await make_gateway(ledger_url=closed_port_url())
    await log_in(gateway, portal_data.agency.login, portal_data.agency.password)

    response = await gateway.get(f"{api_base(portal_data.first.id)}/statement.csv")
    body = await response.json()

    assert response.status == 503
    assert body["error"]["code"] == "service_unavailable"


@pytest.fixture
async def broken_ledger():
    """A fake ledger on a loopback port that announces a 200 000-byte PDF and stops after 20 bytes."""

    async def truncated_pdf(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/pdf"})
        response.content_length = 200_000
        await response.prepare(request)
        await response.write(b"%PDF-1.7\n% broken\n\n")
        # The gateway reads the first chunk before it responds, so give it time to read
        # the chunk before the connection drops.
        await asyncio.sleep(0.5)
        raise ConnectionAbortedError("fake ledger stops mid-body")

    app = web.Application()
    app.router.add_get("/creditors/{creditor}/documents/{number}/pdf", truncated_pdf)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_interrupted_ledger_body_truncates_download(make_gateway, portal_data, broken_ledger):
    gateway = await make_gateway(ledger_url=broken_ledger)
    await log_in(gateway, portal_data.agency.login, portal_data.agency.password)

    response = await gateway.get(f"{api_base(portal_data.first.id)}/documents/FA-0001/pdf")

    assert response.status == 200
    assert response.headers["Content-Length"] == "200000"
    with pytest.raises(aiohttp.ClientPayloadError):
        await response.read()


async def test_api_wrong_entry_404_names_entry(with_identity, portal_data):
    statement = await (await with_identity.get(f"{api_base(portal_data.first.id)}/statement", params={"view": "all"})).json()
    other_document = next(row["id"] for row in statement["rows"] if row["document_number"] == "FA-0002")
    # Not a number, not positive, another document of the account, an id that names no entry, and another agency's creditor.
    cases = [
        (portal_data.first.id, "abc"),
        (portal_data.first.id, "0"),
        (portal_data.first.id, str(other_document)),
        (portal_data.first.id, "999999999"),
        (portal_data.foreign.id, str(other_document)),
    ]

    for creditor, entry in cases:
        response = await with_identity.get(f"{api_base(creditor)}/documents/FA-0001/pdf", params={"entry": entry})
        error = (await response.json())["error"]

        assert response.status == 404, entry
        assert error["code"] == "document_not_found", entry
        assert error["message"] == (
            f"Aucun document n°\u00a0FA-0001 de votre compte ne correspond au paramètre entry «\u00a0{entry}\u00a0»\u00a0: "
            "reprenez l’id de la ligne du document dans l’état de compte, ou retirez entry."
        ), (creditor, entry)
