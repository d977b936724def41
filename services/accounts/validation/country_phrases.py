"""French phrases that name a country after « de » and « en »: « d’Allemagne », « des Pays-Bas », « au Portugal ».

The preposition depends on the country name's gender, number and article, which no catalogue
that the service uses records. The tables and rules below give them for every country of
pycountry's ISO 3166-1 catalogue, with a short common name where its French translation gives an
inverted official one (« Iran, République islamique d' »).
"""

from __future__ import annotations

import re
import unicodedata

from .country import country_name_fr

# Common French names used in sentences, in place of pycountry's catalogue names.
SHORT_NAMES = {
    "AX": "Îles Åland",
    "BN": "Brunei",
    "BV": "Île Bouvet",
    "BO": "Bolivie",
    "CC": "Îles Cocos",
    "CI": "Côte d’Ivoire",
    "CX": "Île Christmas",
    "FK": "Îles Malouines",
    "FM": "Micronésie",
    "GF": "Guyane",
    "GL": "Groenland",
    "GQ": "Guinée équatoriale",
    "GS": "Géorgie du Sud-et-les Îles Sandwich du Sud",
    "IR": "Iran",
    "KP": "Corée du Nord",
    "KR": "Corée du Sud",
    "LA": "Laos",
    "LR": "Liberia",
    "MD": "Moldavie",
    "MO": "Macao",
    "PS": "Palestine",
    "RE": "La Réunion",
    "RU": "Russie",
    "SB": "Îles Salomon",
    "SR": "Suriname",
    "SY": "Syrie",
    "TW": "Taïwan",
    "TZ": "Tanzanie",
    "VA": "Saint-Siège",
    "VE": "Venezuela",
    "VI": "Îles Vierges des États-Unis",
    "VN": "Viêt Nam",
    "WF": "Wallis-et-Futuna",
}

# Names in the plural: « des Pays-Bas », « aux Pays-Bas ».
PLURAL = frozenset(
    "AE AS BM BS CC CK FJ FK FO HM KI KM KY MH MP MV NL PH PN PW SB SC TC TF TK TO TV UM US VG VI WS AX".split()
)
# Names used without an article, mostly islands and cities: « de Malte », « à Malte ».
NO_ARTICLE = frozenset(
    "AG AI AW BH BL BQ CU CW CY DJ GG GI GU HK JE KN LC MC MF MG MO MS MT MU NR NU OM PM PR SG SH SM ST SX TT TW VC WF YT".split()
)
# The gender rule below reads the name's first word, feminine when it ends in « e ».
# These names break it.
MASCULINE_ENDING_IN_E = frozenset("BZ GB KH MX MZ SR ZW".split())
FEMININE_NOT_ENDING_IN_E = frozenset({"SL"})
# Phrases that no rule gives: an article kept before the name, an island, a mute h.
EXCEPTIONS = {
    "AQ": ("de l’Antarctique", "en Antarctique"),
    "BB": ("de la Barbade", "à la Barbade"),
    "BV": ("de l’île Bouvet", "sur l’île Bouvet"),
    "CX": ("de l’île Christmas", "sur l’île Christmas"),
    "DM": ("de la Dominique", "à la Dominique"),
    "GD": ("de la Grenade", "à la Grenade"),
    "HT": ("d’Haïti", "en Haïti"),
    "IM": ("de l’île de Man", "sur l’île de Man"),
    "IO": ("du Territoire britannique de l’océan Indien", "dans le Territoire britannique de l’océan Indien"),
    "NF": ("de l’île Norfolk", "sur l’île Norfolk"),
    "RE": ("de La Réunion", "à La Réunion"),
    "SJ": ("du Svalbard et de l’île Jan Mayen", "au Svalbard et sur l’île Jan Mayen"),
    "VA": ("du Saint-Siège", "au Saint-Siège"),
    "XK": ("du Kosovo", "au Kosovo"),
}

# A name that starts with one of these letters elides « de » to « d’ » and takes « en » whatever its
# gender. The y of « Yémen » is a consonant, which gives « du Yémen ».
VOWELS = frozenset("aeiou")


def _starts_with_vowel(name: str) -> bool:
    first = unicodedata.normalize("NFD", name[:1])[:1].lower()
    return first in VOWELS


def _is_feminine(code: str, name: str) -> bool:
    if code in FEMININE_NOT_ENDING_IN_E:
        return True
    first_word = re.split(r"[ -]", name, maxsplit=1)[0]
    return first_word.endswith("e") and code not in MASCULINE_ENDING_IN_E


def sentence_name(code: str) -> str:
    """Return the French name of an ISO 3166-1 alpha-2 code as a sentence uses it (« Iran », not « Iran, République islamique d' »)."""
    code = code.upper()
    return SHORT_NAMES.get(code) or country_name_fr(code).replace("'", "’")


def country_phrases(code: str) -> tuple[str, str]:
    """Return the phrases « de » + country and « en » + country, such as (« d’Allemagne », « en Allemagne »).

    An unknown code gives (« du pays XX », « dans le pays XX »).
    """
    code = code.upper()
    if code in EXCEPTIONS:
        return EXCEPTIONS[code]
    name = sentence_name(code)
    if name == code:
        return f"du pays {code}", f"dans le pays {code}"
    if code in PLURAL:
        # Inside a sentence « îles » takes no capital: « aux îles Caïmans ».
        name = name.replace("Îles ", "îles ", 1) if name.startswith("Îles ") else name
        return f"des {name}", f"aux {name}"
    of_phrase = f"d’{name}" if _starts_with_vowel(name) else f"de {name}"
    if code in NO_ARTICLE:
        return of_phrase, f"à {name}"
    if _starts_with_vowel(name):
        return of_phrase, f"en {name}"
    if name.startswith("République "):
        return f"de la {name}", f"en {name}"
    if _is_feminine(code, name):
        return of_phrase, f"en {name}"
    return f"du {name}", f"au {name}"


def of_country(code: str) -> str:
    """Return « de » + the country of ``code``: « d’Allemagne », « de France », « des Pays-Bas », « du Portugal »."""
    return country_phrases(code)[0]


def in_country(code: str) -> str:
    """Return « en » + the country of ``code``: « en Allemagne », « en France », « aux Pays-Bas », « au Portugal »."""
    return country_phrases(code)[1]
