"""loads_unique_keys parses JSON like json.loads but rejects an object that repeats a key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.web import DuplicateJsonKey, loads_unique_keys


def test_same_result_as_json_loads_without_duplicates():
    text = '{"a": [1, {"b": 2.50}], "c": {"d": null}, "e": "é"}'

    assert loads_unique_keys(text, parse_float=Decimal) == {"a": [1, {"b": Decimal("2.50")}], "c": {"d": None}, "e": "é"}


@pytest.mark.parametrize(
    ("text", "key"),
    [('{"iban": "A", "iban": "B"}', "iban"), ('[{"x": 1}, {"y": {"z": 1, "z": 1}}]', "z")],
)
def test_repeated_key_raises_naming_it(text, key):
    with pytest.raises(DuplicateJsonKey) as raised:
        loads_unique_keys(text)

    assert raised.value.key == key


def test_same_key_in_sibling_objects_is_allowed():
    assert loads_unique_keys('[{"a": 1}, {"a": 2}]') == [{"a": 1}, {"a": 2}]
