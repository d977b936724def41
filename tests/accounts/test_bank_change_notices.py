"""Subject and body of the e-mail that announces the decision on a bank-detail change request."""

from __future__ import annotations

from datetime import UTC, datetime

from services.accounts.notices import bank_change_decided

NBSP = "\u00a0"
DECIDED_AT = datetime(2026, 7, 31, 12, 5, tzinfo=UTC)


def build_decision(*, approved: bool, reason: str | None, had_previous_details: bool = True) -> tuple[str, str]:
    return bank_change_decided(
        creditor_name="Presse Immo Ouest",
        customer_account="C1001",
        approved=approved,
        iban_masked="FR76 •••• 0189",
        reason=reason,
        decided_at=DECIDED_AT,
        had_previous_details=had_previous_details,
    )


def test_approval_subject_is_masculine():
    subject, body = build_decision(approved=True, reason=None)

    assert subject == "Changement de coordonnées bancaires accepté – compte C1001"
    assert "Presse Immo Ouest a accepté le 31/07/2026 à 14:05 la demande" in body


def test_rejection_subject_is_masculine():
    subject, body = build_decision(approved=False, reason=None)

    assert subject == "Changement de coordonnées bancaires refusé – compte C1001"
    assert "Presse Immo Ouest a refusé le 31/07/2026 à 14:05 la demande" in body


def test_rejection_keeps_previous_details():
    _subject, body = build_decision(approved=False, reason=None, had_previous_details=True)

    assert "\nLes coordonnées bancaires précédentes restent en vigueur.\n" in body


def test_rejection_without_previous_details():
    _subject, body = build_decision(approved=False, reason=None, had_previous_details=False)

    assert "\nAucune coordonnée bancaire n’est enregistrée pour ce compte.\n" in body
    assert "précédentes" not in body


def test_approval_carries_comment():
    _subject, body = build_decision(approved=True, reason="RIB vérifié par téléphone")

    assert f"\n\nCommentaire de Presse Immo Ouest{NBSP}:\n> RIB vérifié par téléphone\n\n" in body
    assert body.index("s’appliquent dès maintenant") < body.index("RIB vérifié par téléphone")


def test_rejection_carries_reason():
    _subject, body = build_decision(approved=False, reason="RIB illisible")

    assert f"\n\nMotif du refus donné par Presse Immo Ouest{NBSP}:\n> RIB illisible\n\n" in body


def test_decision_without_comment_has_no_label():
    _subject, approved_body = build_decision(approved=True, reason=None)
    _subject, rejected_body = build_decision(approved=False, reason="")

    assert "Commentaire" not in approved_body
    assert "Motif" not in rejected_body


def test_comment_is_left_as_typed():
    _subject, body = build_decision(approved=True, reason="Vu : OK ?")

    assert body.count("Vu : OK ?") == 1


def test_comment_lines_are_all_quoted():
    _subject, body = build_decision(approved=False, reason="RIB illisible.\n\nMerci de renvoyer un RIB.")

    assert "\n> RIB illisible.\n>\n> Merci de renvoyer un RIB.\n\n" in body


def test_comment_links_are_defused():
    _subject, body = build_decision(
        approved=True, reason="Validé <b>ok</b> après appel — voir http://evil.example/x"
    )

    assert "> Validé <b>ok</b> après appel — voir evil[.]example/x\n" in body
    assert (
        f"Par sécurité, les adresses web de ce texte ne sont pas cliquables{NBSP}: "
        f"«{NBSP}[.]{NBSP}» y remplace le point."
    ) in body
    assert "http://" not in body
    assert "evil.example" not in body


def test_comment_without_link_has_no_note():
    _subject, body = build_decision(approved=True, reason="RIB vérifié")

    assert "cliquables" not in body


def test_creditor_name_gets_typographic_apostrophe():
    subject, body = bank_change_decided(
        creditor_name="Clés de l'Ouest",
        customer_account="C1001",
        approved=True,
        iban_masked="FR76 •••• 0189",
        reason="OK",
        decided_at=DECIDED_AT,
        had_previous_details=True,
    )

    assert "Clés de l’Ouest a accepté" in body
    assert f"Commentaire de Clés de l’Ouest{NBSP}:" in body
    assert "'" not in body
    assert "'" not in subject


def test_creditor_name_links_are_defused():
    subject, body = bank_change_decided(
        creditor_name="Presse Immo https://evil.example/pay",
        customer_account="C1001",
        approved=False,
        iban_masked="FR76 •••• 0189",
        reason=None,
        decided_at=DECIDED_AT,
        had_previous_details=True,
    )

    assert "Presse Immo evil[.]example/pay a refusé" in body
    assert (
        f"Par sécurité, les adresses web des noms et identifiants cités dans ce message ne sont pas "
        f"cliquables{NBSP}: «{NBSP}[.]{NBSP}» y remplace le point."
    ) in body
    assert "evil.example" not in body
    assert "evil.example" not in subject
