"""« de » elided to « d’ » before a vowel, in the accounts service's e-mails."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.accounts.notices import (
    bank_change_requested,
    contact_message_copy,
    contact_message_to_service,
    invitation,
    prefix_de,
)

EXPIRES_AT = datetime(2026, 7, 31, 12, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Agence du Parc", "d’Agence du Parc"),
        ("Étoile Immobilier", "d’Étoile Immobilier"),
        ("Île Habitat", "d’Île Habitat"),
        ("Œuvre Sociale", "d’Œuvre Sociale"),
        ("Yves Martin", "d’Yves Martin"),
        ("Presse Immo Ouest", "de Presse Immo Ouest"),
    ],
)
def test_prefix_de_elides_before_vowel(name, expected):
    assert prefix_de(name) == expected


def test_invitation_subject_elides():
    subject, _body = invitation(
        agency_name="Agence du Parc", inviter="Claire Dubois", role="comptable", link="https://portail.example/x", expires_at=EXPIRES_AT
    )

    assert subject == "Invitation à rejoindre l’espace Mes Factures d’Agence du Parc"


def test_invitation_subject_keeps_de():
    subject, _body = invitation(
        agency_name="Presse Immo", inviter="Claire Dubois", role="comptable", link="https://portail.example/x", expires_at=EXPIRES_AT
    )

    assert subject == "Invitation à rejoindre l’espace Mes Factures de Presse Immo"


def test_bank_change_notice_elides_creditor():
    _subject, body = bank_change_requested(
        creditor_name="Annonces Sud Services",
        customer_account="C2002",
        requester="Claire Dubois",
        iban_masked="FR76 •••• 0189",
        requested_at=EXPIRES_AT,
    )

    assert "le service facturation d’Annonces Sud Services." in body


def test_contact_copy_elides_creditor():
    _subject, body = contact_message_copy(
        service_label="service facturation",
        creditor_name="Annonces Sud Services",
        subject="Facture",
        message="Bonjour",
        invoice_numbers=[],
    )

    assert "au service facturation d’Annonces Sud Services." in body


def test_invitation_names_get_typographic_apostrophe():
    link = "https://portail.example/invitation/abc'def"
    subject, body = invitation(
        agency_name="Clés de la Presqu'île", inviter="Jeanne d'Arc", role="comptable", link=link, expires_at=EXPIRES_AT
    )

    assert subject == "Invitation à rejoindre l’espace Mes Factures de Clés de la Presqu’île"
    assert "Jeanne d’Arc vous invite à rejoindre l’espace Mes Factures de l’agence Clés de la Presqu’île" in body
    assert f"\n{link}\n" in body


def test_bank_change_request_names_get_typographic_apostrophe():
    _subject, body = bank_change_requested(
        creditor_name="L'Immobilière",
        customer_account="C2002",
        requester="Jeanne d'Arc",
        iban_masked="FR76 •••• 0189",
        requested_at=EXPIRES_AT,
    )

    assert "Jeanne d’Arc a demandé" in body
    assert "chez L’Immobilière." in body
    assert "le service facturation de L’Immobilière." in body


def test_contact_message_names_get_typographic_apostrophe():
    _subject, to_service = contact_message_to_service(
        agency_name="Clés de la Presqu'île",
        customer_account="C2002",
        author="Jeanne d'Arc",
        author_email="jeanne@agence.example",
        subject="Facture",
        message="Bonjour, c'est Jeanne.",
        invoice_numbers=[],
    )
    _subject, copy = contact_message_copy(
        service_label="service facturation",
        creditor_name="L'Immobilière",
        subject="Facture",
        message="Bonjour, c'est Jeanne.",
        invoice_numbers=[],
    )

    assert "par Jeanne d’Arc (jeanne@agence.example) de l’agence Clés de la Presqu’île," in to_service
    assert "au service facturation de L’Immobilière." in copy
    # The author's text is quoted as typed.
    assert "> Bonjour, c'est Jeanne." in to_service
    assert "> Bonjour, c'est Jeanne." in copy


def test_contact_message_names_agency_once():
    _subject, to_service = contact_message_to_service(
        agency_name="Agence du Parc",
        customer_account="C00418",
        author="Claire Dupont",
        author_email="claire.dupont@agence-du-parc.example",
        subject="Facture",
        message="Bonjour",
        invoice_numbers=["FA2026-000034"],
    )

    assert "(claire.dupont@agence-du-parc.example) d’Agence du Parc, compte client C00418." in to_service
    assert "agence Agence" not in to_service


def test_contact_copy_separates_invoice_list():
    _subject, copy = contact_message_copy(
        service_label="service facturation",
        creditor_name="BELLES DEMEURES",
        subject="Facture",
        message="Bonjour",
        invoice_numbers=["FA2026-000019", "FA2026-000034"],
    )

    assert "au service facturation de BELLES DEMEURES.\n\nFactures concernées\u00a0: FA2026-000019, FA2026-000034\n" in copy


def test_invitation_names_agency_once():
    from services.accounts.notices import of_agency

    assert of_agency("Agence du Parc") == "d’Agence du Parc"
    assert of_agency("Clés de la Presqu’île") == "de l’agence Clés de la Presqu’île"
