"""« Nous contacter »: invoice numbers beyond the accounts service's limits bring the form back with an error."""

from __future__ import annotations

from html import escape, unescape

from tests.gateway.conftest import csrf_token_of

NBSP = "\u00a0"
SENTENCE = "les factures de janvier et de fevrier 2026 qui ne sont pas encore reglees"
MESSAGE = "Bonjour, je vous écris au sujet de plusieurs factures que nous contestons. " * 20


async def post_contact_form(client, creditor: str, invoice_numbers: str):
    path = f"/creanciers/{creditor}/nous-contacter"
    token = csrf_token_of(await (await client.get(path)).text())
    form = {
        "csrf_token": token,
        "service": "facturation",
        "subject": "Factures contestées",
        "message": MESSAGE,
        "invoice_numbers": invoice_numbers,
    }
    return await client.post(path, data=form, allow_redirects=False)


def field_error(page: str) -> str:
    """Return the text of the « Numéros de facture » field's error, or fail when the page has none."""
    assert 'id="invoices-error"' in page
    return unescape(page.split('id="invoices-error">', 1)[1].split("</p>", 1)[0])


async def test_sentence_keeps_form_values(logged_in, portal_data):
    response = await post_contact_form(logged_in, portal_data.first.id, SENTENCE)
    page = await response.text()
    error = field_error(page)

    assert response.status == 422
    assert 'name="message"' in page
    assert escape(MESSAGE.strip()) in page
    assert 'value="Factures contestées"' in page
    assert f'value="{SENTENCE}"' in page
    assert f"«{NBSP}les factures de janvier et de fevrier 20…{NBSP}»" in error
    assert f"dépasse 40{NBSP}caractères ({len(SENTENCE)}{NBSP}saisis)" in error
    assert "séparez les numéros par des virgules" in error


async def test_number_over_40_characters(logged_in, portal_data):
    # The ledger's search accepts up to 64 characters, so without the gateway's check this number is reported as unknown.
    response = await post_contact_form(logged_in, portal_data.first.id, "FA-0001, " + "F" * 50)
    error = field_error(await response.text())

    assert response.status == 422
    assert "Introuvable" not in error
    assert f"dépasse 40{NBSP}caractères (50{NBSP}saisis)" in error


async def test_more_than_20_numbers(logged_in, portal_data):
    numbers = ", ".join(f"FA-{index:04d}" for index in range(1, 26))

    response = await post_contact_form(logged_in, portal_data.first.id, numbers)
    page = await response.text()
    error = field_error(page)

    assert response.status == 422
    assert f'value="{numbers}"' in page
    assert "Introuvable" not in error
    assert f"Indiquez au plus 20{NBSP}numéros de facture (25{NBSP}saisis)" in error
