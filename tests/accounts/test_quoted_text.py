"""Links defused and lines quoted in the text that users type into mails."""

from __future__ import annotations

import pytest

from services.accounts.quoted_text import defuse_links, quote_lines


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("http://evil.example/x", "evil[.]example/x"),
        ("voir https://evil.example/phish.", "voir evil[.]example/phish."),
        ('<a href="http://evil.example/x">cliquez</a>', '<a href="evil[.]example/x">cliquez</a>'),
        ("HTTPS://Evil.Example:8080/a", "Evil[.]Example:8080/a"),
        ("ftp://files.evil.example", "files[.]evil[.]example"),
        ("http://192.168.1.1/admin", "192[.]168[.]1[.]1/admin"),
        ("https://portail.example@evil.example/", "portail[.]example@evil[.]example/"),
        ("//evil.example/x", "//evil[.]example/x"),
        ("www.evil.com", "www[.]evil[.]com"),
        ("bit.ly/abc", "bit[.]ly/abc"),
        ("jean@agence.fr", "jean@agence[.]fr"),
        ("mailto:jean@agence.fr", "jean@agence[.]fr"),
        ("javascript:alert(1)", "alert(1)"),
        ("évian-immo.fr", "évian-immo[.]fr"),
        ("evil\u3002example", "evil[.]example"),
        ("xn--80ak6aa92e.com", "xn--80ak6aa92e[.]com"),
    ],
)
def test_defuse_links_rewrites_link(typed: str, expected: str) -> None:
    assert defuse_links(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "Bonjour, pouvons-nous étaler le paiement ?",
        "Montant : 1.234,56 € au 31.12.2026",
        "Factures FA2026.000034 et FA-2026-0042",
        "Version 2.0, article L.441-10",
        "Vu : OK ?",
        "Validé <b>ok</b> après appel",
    ],
)
def test_defuse_links_keeps_plain_text(typed: str) -> None:
    assert defuse_links(typed) == typed


def test_defuse_links_touches_word_without_space() -> None:
    # A full stop without a space after it looks like a host name.
    assert defuse_links("Bonjour M.Dupont") == "Bonjour M[.]Dupont"


def test_defuse_links_defuses_only_once() -> None:
    once = defuse_links("http://evil.example/x et www.evil.com")

    assert defuse_links(once) == once


def test_quote_lines_prefixes_every_line() -> None:
    assert quote_lines("Bonjour,\n\nMerci.") == "> Bonjour,\n>\n> Merci."


def test_quote_lines_quotes_existing_quotation() -> None:
    assert quote_lines("> cité") == "> > cité"
