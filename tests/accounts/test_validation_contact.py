"""Contact and billing validation of the accounts service: phones, postal codes, e-mail, names."""

from __future__ import annotations

import pytest

from services.accounts.validation import (
    BillingDetails,
    FieldError,
    MainContact,
    ValidationError,
    country_name_fr,
    normalize_phone,
    validate_billing_details,
    validate_country_code,
    validate_email,
    validate_main_contact,
    validate_postal_code,
)


def plain(message: str) -> str:
    """Return the message with its no-break spaces turned into plain spaces."""
    return message.replace("\u00a0", " ").replace("\u202f", " ")


def only_error(raised: pytest.ExceptionInfo[ValidationError]) -> FieldError:
    assert len(raised.value.errors) == 1, raised.value.errors
    return raised.value.errors[0]


def errors_by_field(raised: pytest.ExceptionInfo[ValidationError]) -> dict[str, FieldError]:
    return {error.field: error for error in raised.value.errors}


# Phones


@pytest.mark.parametrize(
    "typed",
    [
        "01 42 68 53 00",
        "01.42.68.53.00",
        "01-42-68-53-00",
        "(01) 42 68 53 00",
        "0142685300",
        "+33 1 42 68 53 00",
        "+33 (0)1 42 68 53 00",
        "+33(0)142685300",
        "0033 1 42 68 53 00",
        "00 33 (0)1 42 68 53 00",
        "01\u00a042\u00a068\u00a053\u00a000",
        " 01 42 68 53 00 ",
    ],
)
def test_phone_formats_normalize_to_e164(typed: str) -> None:
    normalized = normalize_phone(typed)

    assert normalized == "+33142685300"


def test_phone_mobile_normalized() -> None:
    normalized = normalize_phone("06 12 34 56 78", field="mobile")

    assert normalized == "+33612345678"


def test_phone_uses_given_country() -> None:
    normalized = normalize_phone("93 15 20 00", "MC")

    assert normalized == "+37793152000"


def test_phone_international_ignores_country() -> None:
    normalized = normalize_phone("+32 2 555 12 12", "FR")

    assert normalized == "+3225551212"



def test_phone_example_unbroken() -> None:
    # A line break inside an example number would split it in the page.
    with pytest.raises(ValidationError) as raised:
        normalize_phone("01 42")

    message = only_error(raised).message

    assert "01\u00a023\u00a045\u00a067\u00a089" in message
    assert "+33\u00a01\u00a023\u00a045\u00a067\u00a089" in message

def test_phone_too_short_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        normalize_phone("01 42")

    error = only_error(raised)
    assert error.field == "phone"
    assert error.code == "phone.invalid"
    assert plain(error.message) == (
        "Le numéro de téléphone « 01 42 » n’est pas un numéro valide : saisissez un numéro "
        "complet, par exemple 01 23 45 67 89 ou +33 1 23 45 67 89."
    )


@pytest.mark.parametrize("typed", ["99 99 99 99 99", "+33 1 23 45 67 8", "0142685300 1"])
def test_phone_impossible_number_rejected(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        normalize_phone(typed)

    assert only_error(raised).code == "phone.invalid"


def test_fax_error_names_fax() -> None:
    with pytest.raises(ValidationError) as raised:
        normalize_phone("01 42 68", field="fax")

    error = only_error(raised)
    assert error.field == "fax"
    assert plain(error.message).startswith("Le numéro de fax « 01 42 68 » n’est pas un numéro")


@pytest.mark.parametrize("typed", ["01 42 68 53 0A", "01 42 68 53 00 poste 12", "1+33142685300"])
def test_phone_letters_rejected(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        normalize_phone(typed, field="mobile")

    error = only_error(raised)
    assert error.code == "phone.characters"
    assert plain(error.message) == (
        f"Le numéro de mobile « {typed} » ne peut contenir que des chiffres, un + au début, des "
        "espaces, des points, des tirets et des parenthèses : saisissez un numéro complet, par "
        "exemple 01 23 45 67 89 ou +33 1 23 45 67 89."
    )


def test_phone_example_follows_country() -> None:
    with pytest.raises(ValidationError) as raised:
        normalize_phone("12", "BE")

    assert plain(only_error(raised).message).endswith(
        "par exemple 012 34 56 78 ou +32 12 34 56 78."
    )


def test_phone_unknown_country_needs_plus() -> None:
    with pytest.raises(ValidationError) as raised:
        normalize_phone("01 42 68 53 00", "AQ")

    assert plain(only_error(raised).message) == (
        "Le numéro de téléphone « 01 42 68 53 00 » n’est pas un numéro valide : saisissez un "
        "numéro international commençant par +, par exemple +33 1 23 45 67 89."
    )


def test_phone_required() -> None:
    with pytest.raises(ValidationError) as raised:
        normalize_phone("  ")

    error = only_error(raised)
    assert error.code == "phone.required"
    assert plain(error.message) == "Le numéro de téléphone est obligatoire : saisissez-le."


# Postal codes


@pytest.mark.parametrize(
    ("typed", "country", "expected"),
    [
        ("75008", "FR", "75008"),
        ("75 008", "FR", "75008"),
        ("01000", "FR", "01000"),
        ("98999", "FR", "98999"),
        ("20000", "FR", "20000"),
        ("20620", "FR", "20620"),
        ("97400", "FR", "97400"),
        ("98800", "FR", "98800"),
        ("98000", "MC", "98000"),
        ("1000", "BE", "1000"),
        ("1234", "LU", "1234"),
        ("8001", "CH", "8001"),
        ("1010", "AT", "1010"),
        ("2100", "DK", "2100"),
        ("10115", "DE", "10115"),
        ("28013", "ES", "28013"),
        ("00184", "IT", "00184"),
        ("1012 AB", "NL", "1012 AB"),
        ("1012ab", "NL", "1012 AB"),
        ("SW1A 1AA", "GB", "SW1A 1AA"),
        ("sw1a1aa", "GB", "SW1A 1AA"),
        ("M1 1AE", "GB", "M1 1AE"),
        ("1000-205", "PT", "1000-205"),
        ("1000 205", "PT", "1000-205"),
        ("k1a  0b1", "CA", "K1A 0B1"),
        ("10001", "us", "10001"),
    ],
)
def test_postal_code_accepted(typed: str, country: str, expected: str) -> None:
    normalized = validate_postal_code(typed, country)

    assert normalized == expected


def test_postal_code_defaults_to_france() -> None:
    with pytest.raises(ValidationError):
        validate_postal_code("1000")

    assert validate_postal_code("13001") == "13001"


@pytest.mark.parametrize("typed", ["7500", "750080", "00999", "99000", "2A004", "7500A"])
def test_postal_code_france_rejected(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_postal_code(typed, "FR")

    error = only_error(raised)
    assert error.code == "postal_code.format"
    assert plain(error.message) == (
        f"Le code postal « {typed} » n’est pas valide pour ce pays (France) : saisissez 5 "
        "chiffres, de 01000 à 98999, par exemple 75008."
    )


@pytest.mark.parametrize(
    ("typed", "country", "expected_message"),
    [
        (
            "98100",
            "MC",
            "Le code postal « 98100 » n’est pas valide pour ce pays (Monaco) : saisissez "
            "5 chiffres commençant par 980, par exemple 98000.",
        ),
        (
            "75008",
            "BE",
            "Le code postal « 75008 » n’est pas valide pour ce pays (Belgique) : saisissez "
            "4 chiffres, par exemple 1000.",
        ),
        (
            "1000",
            "DE",
            "Le code postal « 1000 » n’est pas valide pour ce pays (Allemagne) : saisissez "
            "5 chiffres, par exemple 10115.",
        ),
        (
            "0123 AB",
            "NL",
            "Le code postal « 0123 AB » n’est pas valide pour ce pays (Pays-Bas) : saisissez "
            "4 chiffres puis 2 lettres, par exemple 1012 AB.",
        ),
        (
            "12345",
            "GB",
            "Le code postal « 12345 » n’est pas valide pour ce pays (Royaume-Uni) : saisissez "
            "de 2 à 4 lettres ou chiffres, un espace puis 1 chiffre et 2 lettres, par exemple "
            "SW1A 1AA.",
        ),
        (
            "1000-20",
            "PT",
            "Le code postal « 1000-20 » n’est pas valide pour ce pays (Portugal) : saisissez "
            "4 chiffres, un tiret puis 3 chiffres, par exemple 1000-205.",
        ),
        (
            "12345678901",
            "US",
            "Le code postal « 12345678901 » n’est pas valide pour ce pays (États-Unis) : "
            "saisissez au plus 10 lettres, chiffres, espaces ou tirets.",
        ),
        (
            "10001#",
            "US",
            "Le code postal « 10001# » n’est pas valide pour ce pays (États-Unis) : "
            "saisissez au plus 10 lettres, chiffres, espaces ou tirets.",
        ),
    ],
)
def test_postal_code_message_names_country(
    typed: str, country: str, expected_message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_postal_code(typed, country)

    error = only_error(raised)
    assert error.code == "postal_code.format"
    assert plain(error.message) == expected_message


def test_postal_code_required() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_postal_code(" ", "FR")

    error = only_error(raised)
    assert error.code == "postal_code.required"
    assert plain(error.message) == "Le code postal est obligatoire : saisissez-le."


# Countries


def test_country_code_upper_cased() -> None:
    code = validate_country_code(" be ")

    assert code == "BE"


def test_country_name_in_french() -> None:
    name = country_name_fr("DE")

    assert name == "Allemagne"


@pytest.mark.parametrize("typed", ["ZZ", "France", "F"])
def test_country_code_unknown(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_country_code(typed)

    error = only_error(raised)
    assert error.code == "country.unknown"
    assert plain(error.message) == (
        f"Le pays « {typed} » n’est pas un code pays ISO à deux lettres connu : choisissez-le "
        "dans la liste (par exemple FR pour la France, BE pour la Belgique)."
    )


def test_country_code_required() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_country_code("")

    error = only_error(raised)
    assert error.code == "country.required"
    assert plain(error.message) == (
        "Le pays est obligatoire : choisissez-le dans la liste (FR pour la France)."
    )


# E-mail


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("contact@agence.fr", "contact@agence.fr"),
        (" Jean.Dupont@Agence-Immo.FR ", "Jean.Dupont@agence-immo.fr"),
        ("jean+factures@sub.agence.fr", "jean+factures@sub.agence.fr"),
        ("jean@agençé.fr", "jean@agençé.fr"),
        ("contact@agence.fr\n", "contact@agence.fr"),
    ],
)
def test_email_normalized(typed: str, expected: str) -> None:
    normalized = validate_email(typed)

    assert normalized == expected


@pytest.mark.parametrize(
    ("typed", "code", "expected_message"),
    [
        (
            "jean@agence",
            "email.domain",
            "L’adresse e-mail « jean@agence » n’est pas valide : le domaine après le @ doit "
            "contenir un point, par exemple agence.fr.",
        ),
        (
            "jean@",
            "email.domain",
            "L’adresse e-mail « jean@ » n’est pas valide : il manque le domaine après le @, "
            "par exemple agence.fr.",
        ),
        (
            "jean@agence..fr",
            "email.domain",
            "L’adresse e-mail « jean@agence..fr » n’est pas valide : le domaine après le @ ne "
            "peut ni commencer ni finir par un point, ni en contenir deux de suite.",
        ),
        (
            "jean@-agence.fr",
            "email.domain",
            "L’adresse e-mail « jean@-agence.fr » n’est pas valide : le domaine ne peut "
            "contenir que des lettres, des chiffres, des points et des tirets, sans tiret au "
            "début ni à la fin d’une partie.",
        ),
        (
            "jean@agence_immo.fr",
            "email.domain",
            "L’adresse e-mail « jean@agence_immo.fr » n’est pas valide : le domaine ne peut "
            "contenir que des lettres, des chiffres, des points et des tirets, sans tiret au "
            "début ni à la fin d’une partie.",
        ),
        (
            "contact.agence.fr",
            "email.at_sign",
            "L’adresse e-mail « contact.agence.fr » doit contenir un seul @, par exemple "
            "contact@agence.fr.",
        ),
        (
            "jean@dupont@agence.fr",
            "email.at_sign",
            "L’adresse e-mail « jean@dupont@agence.fr » doit contenir un seul @, par exemple "
            "contact@agence.fr.",
        ),
        (
            "@agence.fr",
            "email.local_part",
            "L’adresse e-mail « @agence.fr » n’est pas valide : il manque la partie avant le @.",
        ),
        (
            "jean..dupont@agence.fr",
            "email.local_part",
            "L’adresse e-mail « jean..dupont@agence.fr » n’est pas valide : la partie avant le "
            "@ ne peut ni commencer ni finir par un point, ni en contenir deux de suite.",
        ),
        (
            "jean,dupont@agence.fr",
            "email.local_part",
            "L’adresse e-mail « jean,dupont@agence.fr » n’est pas valide : la partie avant le "
            "@ contient un caractère non autorisé (« , »).",
        ),
        (
            "jean dupont@agence.fr",
            "email.whitespace",
            "L’adresse e-mail « jean dupont@agence.fr » contient un espace : retirez-le.",
        ),
        (
            "jean@agence.fr\r\nBcc: victime@example.org",
            "email.control",
            "L’adresse e-mail contient un saut de ligne ou un caractère de contrôle (U+000D) : "
            "retapez-la sur une seule ligne.",
        ),
        (
            "jean\x00@agence.fr",
            "email.control",
            "L’adresse e-mail contient un saut de ligne ou un caractère de contrôle (U+0000) : "
            "retapez-la sur une seule ligne.",
        ),
    ],
)
def test_email_rejected(typed: str, code: str, expected_message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_email(typed)

    error = only_error(raised)
    assert error.code == code
    assert plain(error.message) == expected_message


def test_email_longer_than_254_rejected() -> None:
    address = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 59 + ".fr"
    assert len(address) == 255

    with pytest.raises(ValidationError) as raised:
        validate_email(address)

    error = only_error(raised)
    assert error.code == "email.length"
    assert plain(error.message) == (
        "L’adresse e-mail dépasse 254 caractères (255 saisis) : vérifiez-la."
    )


def test_email_of_254_characters_accepted() -> None:
    address = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".fr"
    assert len(address) == 254

    assert validate_email(address) == address


def test_email_local_part_over_64_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_email("a" * 65 + "@agence.fr")

    assert only_error(raised).code == "email.local_part"


def test_email_required() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_email(None)

    error = only_error(raised)
    assert error.code == "email.required"
    assert plain(error.message) == "L’adresse e-mail est obligatoire : saisissez-la."


# Main contact


def test_main_contact_trimmed() -> None:
    contact = validate_main_contact("  Le  Goff ", "Anne-Marie", " Gérante ")

    assert contact == MainContact(last_name="Le Goff", first_name="Anne-Marie", job_title="Gérante")


def test_main_contact_job_title_optional() -> None:
    contact = validate_main_contact("Dupont", "Jean", "   ")

    assert contact.job_title is None


def test_main_contact_names_normalized_to_nfc() -> None:
    contact = validate_main_contact("Le\u0301vy", "Zoe\u0308", None)

    assert contact.last_name == "Lévy"
    assert contact.first_name == "Zoë"


def test_main_contact_collects_every_field_error() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_main_contact("", "  ", "x" * 101)

    errors = errors_by_field(raised)
    assert errors["last_name"].code == "text.required"
    assert plain(errors["last_name"].message) == (
        "Le champ « Nom » est obligatoire : renseignez-le."
    )
    assert errors["first_name"].code == "text.required"
    assert plain(errors["first_name"].message) == (
        "Le champ « Prénom » est obligatoire : renseignez-le."
    )
    assert errors["job_title"].code == "text.too_long"
    assert plain(errors["job_title"].message) == (
        "Le champ « Fonction » dépasse 100 caractères (101 saisis) : raccourcissez-le."
    )


def test_main_contact_100_characters_accepted() -> None:
    contact = validate_main_contact("x" * 100, "Jean", None)

    assert len(contact.last_name) == 100


@pytest.mark.parametrize("character", ["\n", "\r", "\t", "\x00", "\x1b", "\u2028"])
def test_main_contact_control_character_rejected(character: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_main_contact(f"Du{character}pont", "Jean", None)

    error = only_error(raised)
    assert error.field == "last_name"
    assert error.code == "text.control"
    assert plain(error.message) == (
        "Le champ « Nom » contient un caractère de contrôle ou un saut de ligne "
        f"(U+{ord(character):04X}) : retapez la valeur sur une seule ligne."
    )


def test_main_contact_name_without_letter_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_main_contact("Dupont", "123", None)

    error = only_error(raised)
    assert error.field == "first_name"
    assert error.code == "text.no_letter"
    assert plain(error.message) == (
        "Le champ « Prénom » doit contenir au moins une lettre : saisissez-le en toutes lettres."
    )


# Billing details form


def test_billing_details_normalized() -> None:
    details = validate_billing_details(
        {
            "address_line1": " 12  rue de la Paix ",
            "address_line2": "Bâtiment B",
            "address_line3": "",
            "postal_code": "75 002",
            "city": "Paris",
            "country": "fr",
            "phone": "01 42 68 53 00",
            "mobile": "+33 (0)6 12 34 56 78",
            "fax": "0033 1 42 68 53 01",
            "email": "Compta@Agence.FR",
            "csrf_token": "ignored",
        }
    )

    assert details == BillingDetails(
        address_line1="12 rue de la Paix",
        address_line2="Bâtiment B",
        address_line3=None,
        postal_code="75002",
        city="Paris",
        country="FR",
        phone="+33142685300",
        mobile="+33612345678",
        fax="+33142685301",
        email="Compta@agence.fr",
    )


def test_billing_optional_fields_missing() -> None:
    details = validate_billing_details(
        {"address_line1": "1 rue A", "postal_code": "98000", "city": "Monaco", "country": "MC"}
    )

    assert details.phone is None
    assert details.mobile is None
    assert details.fax is None
    assert details.email is None
    assert details.address_line2 is None


def test_billing_phone_uses_billing_country() -> None:
    details = validate_billing_details(
        {
            "address_line1": "Rue de la Loi 16",
            "postal_code": "1000",
            "city": "Bruxelles",
            "country": "BE",
            "phone": "02 555 12 12",
        }
    )

    assert details.phone == "+3225551212"


def test_billing_collects_every_field_error() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_billing_details(
            {
                "address_line1": "",
                "address_line2": "x" * 39,
                "postal_code": "7500",
                "city": "",
                "country": "FR",
                "phone": "01 42",
                "mobile": "06 12 34 56 7A",
                "fax": "12",
                "email": "compta@agence",
            }
        )

    errors = errors_by_field(raised)
    assert set(errors) == {
        "address_line1", "address_line2", "postal_code", "city", "phone", "mobile", "fax", "email"
    }
    assert errors["address_line1"].code == "text.required"
    assert plain(errors["address_line1"].message) == (
        "Le champ « Adresse » est obligatoire : renseignez-le."
    )
    assert errors["address_line2"].code == "text.too_long"
    assert plain(errors["address_line2"].message) == (
        "Le champ « Complément d’adresse (ligne 2) » dépasse 38 caractères (39 saisis) : "
        "raccourcissez-le."
    )
    assert errors["postal_code"].code == "postal_code.format"
    assert errors["city"].code == "text.required"
    assert errors["phone"].code == "phone.invalid"
    assert errors["mobile"].code == "phone.characters"
    assert errors["fax"].code == "phone.invalid"
    assert errors["email"].code == "email.domain"


def test_billing_city_over_32_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_billing_details(
            {"address_line1": "1 rue A", "postal_code": "75001", "city": "x" * 33, "country": "FR"}
        )

    error = only_error(raised)
    assert error.field == "city"
    assert plain(error.message) == (
        "Le champ « Ville » dépasse 32 caractères (33 saisis) : raccourcissez-le."
    )


def test_billing_postal_code_follows_country() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_billing_details(
            {"address_line1": "1 rue A", "postal_code": "75001", "city": "Liège", "country": "BE"}
        )

    error = only_error(raised)
    assert error.field == "postal_code"
    assert "(Belgique)" in error.message


def test_billing_unknown_country_skips_postal_format() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_billing_details(
            {"address_line1": "1 rue A", "postal_code": "75001", "city": "Paris", "country": "ZZ"}
        )

    error = only_error(raised)
    assert error.field == "country"
    assert error.code == "country.unknown"


def test_billing_unknown_country_requires_postal_code() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_billing_details({"address_line1": "1 rue A", "city": "Paris", "country": "ZZ"})

    errors = errors_by_field(raised)
    assert errors["country"].code == "country.unknown"
    assert errors["postal_code"].code == "postal_code.required"


def test_billing_address_newline_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_billing_details(
            {
                "address_line1": "1 rue A\r\n2 rue B",
                "postal_code": "75001",
                "city": "Paris",
                "country": "FR",
            }
        )

    error = only_error(raised)
    assert error.field == "address_line1"
    assert error.code == "text.control"


def test_billing_error_str_names_fields_only() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_billing_details({"address_line1": "1 rue A", "city": "Paris", "country": "FR"})

    assert str(raised.value) == "postal_code: postal_code.required"
    assert raised.value.codes == ["postal_code.required"]
    assert raised.value.messages_by_field() == {
        "postal_code": ["Le code postal est obligatoire\u00a0: saisissez-le."]
    }
