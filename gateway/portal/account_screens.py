"""Routes and Jinja filters of the account screens added beside the portal's menu areas.

Nous contacter and Informations compte register with the other menu areas.
This module registers the rest: the password-reset and invitation links,
Sécurité, Utilisateurs, the staff back-office, the development mail page and
the JSON API routes of the account details.
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from gateway.api import account_details as account_details_api
from gateway.portal import agency_users, bank_change_reviews, dev_mail, invitation, password_reset, security
from gateway.portal.display import DISPLAY_FILTERS


def setup_routes(app: web.Application) -> None:
    """Register the screens and their Jinja filters.

    Call it after aiohttp_jinja2.setup, whose environment receives the filters.
    """
    aiohttp_jinja2.get_env(app).filters.update(DISPLAY_FILTERS)
    for area in (password_reset, invitation, security, agency_users, bank_change_reviews, dev_mail):
        area.setup_routes(app)
    account_details_api.setup_routes(app)
