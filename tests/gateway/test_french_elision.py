"""« de » elided to « d’ » before a vowel, in the gateway's screens."""

from __future__ import annotations

import jinja2
import pytest

from gateway.app import TEMPLATES_DIR
from gateway.format import JINJA_FILTERS
from gateway.portal.display import DISPLAY_FILTERS, prefix_de


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Agence du Parc", "d’Agence du Parc"),
        ("agence du Parc", "d’agence du Parc"),
        ("Étoile Immobilier", "d’Étoile Immobilier"),
        ("Île Habitat", "d’Île Habitat"),
        ("Orée du Bois", "d’Orée du Bois"),
        ("Univers Logement", "d’Univers Logement"),
        ("Yves Martin", "d’Yves Martin"),
        ("Œuvre Sociale", "d’Œuvre Sociale"),
        ("Presse Immo Ouest", "de Presse Immo Ouest"),
        ("123 Immo", "de 123 Immo"),
    ],
)
def test_prefix_de_elides_before_vowel(name, expected):
    assert prefix_de(name) == expected


def test_prefix_de_without_name():
    assert prefix_de(None) == "de "


# The page frame's variables, which the portal's layout module fills in for real pages.
FRAME = {"area": {"key": "users", "label": "Utilisateurs"}, "menu": [], "breadcrumb": [], "errors": {}, "values": {}}


def render(template: str, **context: object) -> str:
    """Render a gateway template with the gateway's filters, the page frame and ``context``."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True)
    environment.filters.update(JINJA_FILTERS)
    environment.filters.update(DISPLAY_FILTERS)
    return environment.get_template(template).render(**FRAME, **context)


def test_invitation_heading_elides():
    html = render("invitation.html", invitation={"agency_name": "Agence du Parc", "email": "a@agence.example"})

    assert "<h1>Rejoindre l’espace d’Agence du Parc</h1>" in html


def test_invitation_heading_keeps_de():
    html = render("invitation.html", invitation={"agency_name": "Presse Immo Ouest", "email": "a@agence.example"})

    assert "<h1>Rejoindre l’espace de Presse Immo Ouest</h1>" in html


def test_role_label_elides_user_name():
    user = {"user_id": "u1", "display_name": "Anne Martin", "login": "anne", "role": "lecteur", "active": True}
    html = render(
        "agency_users.html",
        users=[user],
        invitations=[],
        current_user_id="another-user",
        role_choices=[],
        invite_values={},
        user_path=lambda user_id, action: f"/utilisateurs/{user_id}/{action}",
        invitation_path=lambda invitation_id: f"/utilisateurs/invitations/{invitation_id}/revocation",
    )

    assert "Rôle d’Anne Martin</label>" in html
