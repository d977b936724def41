"""The « Pays » list of Informations compte: French names sorted with accents ignored."""

from __future__ import annotations

from gateway.portal.display import country_choices, country_name, sort_key


def listed_names() -> list[str]:
    return [name for _code, name in country_choices()]


def test_france_comes_first():
    assert country_choices()[0] == ("FR", "France")


def test_accented_names_sort_among_their_letter():
    listed = listed_names()

    assert listed.index("Bangladesh") < listed.index("Bélarus") < listed.index("Belgique") < listed.index("Burundi")
    assert listed.index("Dominique") < listed.index("Égypte") < listed.index("Érythrée") < listed.index("Espagne")
    assert listed.index("Espagne") < listed.index("États-Unis") < listed.index("Éthiopie")
    assert listed.index("Hongrie") < listed.index("Île de Man") < listed.index("Inde")


def test_list_ends_with_z():
    assert listed_names()[-1] == "Zimbabwe"


def test_rest_of_list_is_sorted():
    keys = [sort_key(name) for name in listed_names()[1:]]

    assert keys == sorted(keys)


def test_sort_key_strips_accents():
    assert sort_key("Île de Man") == "ile de man"
    assert sort_key("Éthiopie") == "ethiopie"


def test_corrected_names():
    assert country_name("GL") == "Groenland"
    assert country_name("BO") == "Bolivie, État plurinational de"
    assert country_name("VA") == "Saint-Siège (État de la Cité du Vatican)"


def test_corrected_names_in_list():
    listed = listed_names()

    assert "Groenland" in listed
    assert "Groënland" not in listed
    assert not [name for name in listed if "état" in name]
