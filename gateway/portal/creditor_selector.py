"""The « Créancier » selector: remembers the chosen creditor in a cookie and reloads the page."""

from __future__ import annotations

from aiohttp import web

from gateway.creditor_access import foreign_creditor_error
from gateway.csrf import CSRF_FIELD, check_session_csrf_token
from gateway.portal.forms import read_form
from gateway.portal.navigation import local_path, path_for_creditor
from gateway.sessions import COOKIE_NAMES, require_session, set_cookie

SELECTOR_PATH = "/creancier"


async def select_creditor(request: web.Request) -> web.Response:
    active = await require_session(request)
    form = await read_form(request)
    check_session_csrf_token(request.app, active.info.session_id, form.get(CSRF_FIELD))

    creditor = form.get("creditor")
    if not isinstance(creditor, str) or active.info.account_at(creditor) is None:
        raise foreign_creditor_error(active.info, str(creditor))

    redirect = web.HTTPFound(path_for_creditor(local_path(form.get("suite")), creditor))
    set_cookie(redirect, request.app, request.app[COOKIE_NAMES].creditor, creditor)
    raise redirect


def setup_routes(app: web.Application) -> None:
    app.router.add_post(SELECTOR_PATH, select_creditor, name="select_creditor")
