"""« de » and « en » before the French country names that the bank form's messages show."""

from __future__ import annotations

import pycountry
import pytest

from services.accounts.validation.country_phrases import country_phrases, in_country, of_country, sentence_name


@pytest.mark.parametrize(
    ("code", "of_phrase", "in_phrase"),
    [
        ("DE", "d’Allemagne", "en Allemagne"),
        ("FR", "de France", "en France"),
        ("NL", "des Pays-Bas", "aux Pays-Bas"),
        ("PT", "du Portugal", "au Portugal"),
        ("GB", "du Royaume-Uni", "au Royaume-Uni"),
        ("US", "des États-Unis", "aux États-Unis"),
        ("MC", "de Monaco", "à Monaco"),
        ("MT", "de Malte", "à Malte"),
        ("IR", "d’Iran", "en Iran"),
        ("EC", "d’Équateur", "en Équateur"),
        ("MX", "du Mexique", "au Mexique"),
        ("YE", "du Yémen", "au Yémen"),
        ("HU", "de Hongrie", "en Hongrie"),
        ("HT", "d’Haïti", "en Haïti"),
        # Outside ISO 3166-1, but the prefix of Kosovo's IBANs.
        ("XK", "du Kosovo", "au Kosovo"),
        ("KR", "de Corée du Sud", "en Corée du Sud"),
        ("SL", "de Sierra Leone", "en Sierra Leone"),
        ("CD", "de la République démocratique du Congo", "en République démocratique du Congo"),
        ("KY", "des îles Caïmans", "aux îles Caïmans"),
        ("RE", "de La Réunion", "à La Réunion"),
        ("CI", "de Côte d’Ivoire", "en Côte d’Ivoire"),
    ],
)
def test_country_phrases_table(code, of_phrase, in_phrase):
    assert of_country(code) == of_phrase
    assert in_country(code) == in_phrase


def test_unknown_code_named_as_code():
    assert country_phrases("XX") == ("du pays XX", "dans le pays XX")


# Names whose comma separates the parts of a territory, not an inverted official name.
ENUMERATED_NAMES = {"BQ", "SH"}


def test_every_country_has_sentence_name():
    for country in pycountry.countries:
        name = sentence_name(country.alpha_2)

        assert name != country.alpha_2, country.alpha_2
        assert "'" not in name, name
        if country.alpha_2 not in ENUMERATED_NAMES:
            assert "," not in name, name


def test_every_country_phrase_is_well_formed():
    for country in pycountry.countries:
        of_phrase, in_phrase = country_phrases(country.alpha_2)

        assert of_phrase.split(" ")[0] in {"de", "du", "des"} or of_phrase.startswith("d’"), of_phrase
        assert in_phrase.split(" ")[0] in {"en", "au", "aux", "à", "sur", "dans"}, in_phrase
        assert "de le " not in of_phrase, of_phrase
        assert "de les " not in of_phrase, of_phrase
