"""Unit tests of the account screens' helpers: display formats, form comparison, errors and links."""

from __future__ import annotations

import pytest
from multidict import MultiDict, MultiDictProxy

from gateway.portal.account_details_form import (
    BANK_FIELDS,
    MAIN_CONTACT_FIELDS,
    bank_differs,
    bank_values,
    differs,
    section_values,
    service_body,
)
from gateway.portal.contact import split_invoice_numbers
from gateway.portal.dev_mail import french_date, linkify
from gateway.portal.display import (
    address_lines,
    breakable_address,
    country_choices,
    country_name,
    format_day,
    format_instant,
    format_phone,
)
from gateway.portal.forms import MAX_FIELD_LENGTH, FieldTooLong, field_errors_of, form_text
from gateway.portal.layout import BANK_CHANGE_REVIEWS, MENU, SECURITY, USERS, menu_for
from gateway.portal.security import grouped_secret, reauthentication_errors, secret_of
from services.accounts.contact_messages import MAX_MESSAGE_LENGTH
from shared.errors import Unprocessable
from shared.principal import Role


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+33142685300", "01 42 68 53 00"),
        ("+33612345678", "06 12 34 56 78"),
        ("+3221234567", "+32 2 123 45 67"),
        ("not a number", "not a number"),
        ("", ""),
        (None, ""),
    ],
)
def test_format_phone_national_for_france(stored, shown):
    assert format_phone(stored) == shown


def test_country_name_in_french():
    assert country_name("BE") == "Belgique"
    assert country_name("de") == "Allemagne"
    assert country_name("ZZ") == "ZZ"
    assert country_name(None) == ""


def test_country_choices_start_with_france():
    choices = country_choices()

    assert choices[0] == ("FR", "France")
    assert ("BE", "Belgique") in choices
    assert len({code for code, _name in choices}) == len(choices)


def test_address_lines_skip_blanks_and_home_country():
    french = {"address_line1": "3 place Bellecour", "address_line2": None, "address_line3": "", "postal_code": "69002", "city": "Lyon", "country": "FR"}
    belgian = {**french, "postal_code": "1000", "city": "Bruxelles", "country": "BE"}

    assert address_lines(french) == ["3 place Bellecour", "69002 Lyon"]
    assert address_lines(belgian) == ["3 place Bellecour", "1000 Bruxelles", "Belgique"]
    assert address_lines(None) == []


def test_format_instant_in_paris_time():
    assert format_instant("2026-07-31T12:05:00+00:00") == "31/07/2026 à 14:05"
    assert format_instant("2026-01-15T23:30:00+00:00") == "16/01/2026 à 00:30"
    assert format_day("2026-01-15T23:30:00+00:00") == "16/01/2026"
    assert format_instant("pas une date") == ""
    assert format_instant(None) == ""


def test_split_invoice_numbers_keeps_inner_spaces():
    assert split_invoice_numbers("FA-1, FA  2;FA-3\n\n , ") == ["FA-1", "FA  2", "FA-3"]
    assert split_invoice_numbers("") == []


def test_section_values_show_national_phone_and_default_country():
    from gateway.portal.account_details_form import BILLING_FIELDS

    shown = section_values({"phone": "+33478421000", "country": None}, BILLING_FIELDS)

    assert shown["phone"] == "04 78 42 10 00"
    assert shown["country"] == "FR"
    assert shown["address_line1"] == ""


def test_differs_ignores_surrounding_spaces():
    shown = section_values({"last_name": "Dubois", "first_name": "Claire", "job_title": None}, MAIN_CONTACT_FIELDS)

    assert not differs({"last_name": " Dubois ", "first_name": "Claire", "job_title": ""}, shown)
    assert differs({"last_name": "Dupont", "first_name": "Claire", "job_title": ""}, shown)


def test_bank_differs_ignores_grouping_and_case():
    current = bank_values({"iban": "FR7630006000011234567890189", "bic": "AGRIFRPP", "bank_code": "30006"})
    typed = {**current, "iban": "fr76 3000-6000.0112 3456 7890 189", "bic": "agrifrpp"}

    assert not bank_differs(typed, current)
    assert bank_differs({**current, "iban": "FR1420041010050500013M02606"}, current)
    assert bank_differs({"iban": "FR76"}, bank_values(None))
    assert not bank_differs({field.name: "" for field in BANK_FIELDS}, bank_values(None))


def test_bank_values_show_masked_iban_without_full_one():
    masked = bank_values({"iban_masked": "•••• 0189", "bic": "AGRIFRPP", "bank_code": "30006"})

    assert masked["iban"] == "•••• 0189"
    assert masked["account_number"] == ""


def test_service_body_turns_blanks_into_null():
    assert service_body({"last_name": "Dubois", "first_name": "", "job_title": "Gérante"}, MAIN_CONTACT_FIELDS) == {
        "last_name": "Dubois",
        "first_name": None,
        "job_title": "Gérante",
    }


def test_field_errors_of_joins_messages_per_field():
    error = Unprocessable(
        "Certains champs sont invalides.",
        fields=[
            {"field": "iban", "code": "iban.checksum", "message": "IBAN invalide."},
            {"field": "iban", "code": "rib.key", "message": "Clé RIB fausse."},
            {"field": "bic", "code": "bic.format", "message": "BIC invalide."},
            "ignored",
        ],
    )

    assert field_errors_of(error) == {"iban": "IBAN invalide. Clé RIB fausse.", "bic": "BIC invalide."}


def test_field_errors_of_single_field_uses_message():
    assert field_errors_of(Unprocessable("Mot de passe incorrect.", field="password")) == {
        "password": "Mot de passe incorrect."
    }
    assert field_errors_of(Unprocessable("Erreur générale.")) == {}


def test_reauthentication_errors_name_current_password():
    failed = Unprocessable("Mot de passe incorrect.", field="password")
    failed.code = "reauthentication_failed"
    weak = Unprocessable("Trop court.", fields=[{"field": "password", "message": "Trop court."}])
    weak.code = "invalid_fields"

    assert reauthentication_errors(failed, new_password_field="new_password") == {"current_password": "Mot de passe incorrect."}
    assert reauthentication_errors(weak, new_password_field="new_password") == {"new_password": "Trop court."}


def test_totp_secret_helpers():
    uri = "otpauth://totp/Mes%20Factures:agent?secret=JBSWY3DPEHPK3PXPQ&issuer=Mes%20Factures"

    assert secret_of(uri) == "JBSWY3DPEHPK3PXPQ"
    assert secret_of("https://exemple.test/?secret=ABC") is None
    assert grouped_secret("JBSWY3DPEHPK3PXPQ") == "JBSW Y3DP EHPK 3PXP Q"


def test_linkify_escapes_text_and_links_urls():
    html = str(linkify("Cliquez <ici> : https://portail.test/invitation/abc_1-2, puis revenez."))

    assert html == (
        'Cliquez &lt;ici&gt; : <a href="https://portail.test/invitation/abc_1-2">'
        "https://portail.test/invitation/abc_1-2</a>, puis revenez."
    )


def test_french_date_of_mail_header():
    assert french_date("Fri, 31 Jul 2026 12:05:00 +0000") == "31/07/2026 à 14:05"
    assert french_date("illisible") == "illisible"


def test_menu_depends_on_role():
    assert menu_for(Role.STAFF) == (BANK_CHANGE_REVIEWS, SECURITY)
    assert menu_for(Role.ADMIN) == (*MENU, USERS, SECURITY)
    assert menu_for(Role.ACCOUNTANT) == (*MENU, SECURITY)
    assert menu_for(Role.READER) == (*MENU, SECURITY)


def test_form_text_normalises_line_breaks():
    form = MultiDictProxy(MultiDict({"message": "un\r\ndeux\rtrois\nquatre"}))

    assert form_text(form, "message") == "un\ndeux\ntrois\nquatre"


def test_form_text_rejects_field_over_cap():
    form = MultiDictProxy(MultiDict({"reason": "x" * (MAX_FIELD_LENGTH + 1)}))

    with pytest.raises(FieldTooLong) as raised:
        form_text(form, "reason")

    assert raised.value.details == {"field": "reason"}
    assert "«\u00a0Motif\u00a0» dépasse 20\u202f000 caractères (20\u202f001 saisis)" in raised.value.message


def test_field_cap_leaves_service_limits_to_service():
    assert MAX_FIELD_LENGTH > MAX_MESSAGE_LENGTH


def test_address_breaks_after_at_then_pieces():
    markup = breakable_address("marie-claire.dupont@agence-du-parc.example")

    assert markup.count('<span class="address-part">') == 2
    assert str(markup).startswith('<span class="address-part"><span class="address-piece">marie</span><wbr>')
    assert '<span class="address-piece">-claire</span><wbr><span class="address-piece">.dupont@</span></span><wbr>' in markup
    assert '<span class="address-piece">.example</span></span>' in markup
    assert markup.striptags() == "marie-claire.dupont@agence-du-parc.example"


def test_address_markup_escapes_text():
    assert breakable_address("<b>@x") == (
        '<span class="address-part"><span class="address-piece">&lt;b&gt;@</span></span>'
        '<wbr><span class="address-part"><span class="address-piece">x</span></span>'
    )
    assert breakable_address("demo") == '<span class="address-part"><span class="address-piece">demo</span></span>'
    assert breakable_address(None) == ""
