"""The French user guide names the buttons of « Informations compte » as the page shows them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUOTED = re.compile(r"«\s*([^»]+?)\s*»")


def guide_item(title: str) -> str:
    """Return the text of the README.fr.md list item that starts with the bold ``title``, on one line."""
    guide = (ROOT / "README.fr.md").read_text(encoding="utf-8")
    start = guide.index(f"- **{title}**")
    end = guide.find("\n- ", start + 1)
    return " ".join(guide[start:end].split())


def test_account_details_buttons_match_guide():
    item = guide_item("Informations compte")
    template = (ROOT / "gateway/templates/account_details.html").read_text(encoding="utf-8")
    labels = QUOTED.findall(item)

    assert labels, item
    for label in labels:
        assert f">{label}</" in template, label
