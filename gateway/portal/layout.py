"""Page frame shared by every portal page: the left menu, the breadcrumb and the creditor selector."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from gateway.accounts_portal import accounts_portal
from gateway.clients import ACCOUNTS, Creditor
from gateway.creditor_access import require_account
from gateway.csrf import CSRF_FIELD, session_csrf_token
from gateway.portal.display import sort_key
from gateway.sessions import COOKIE_NAMES, ActiveSession, require_session
from shared.typography import typographic_apostrophes
from shared.principal import Role

HOME_PATH = "/"
HOME_LABEL = "Accueil"
COMING_SOON_MESSAGE = "Cette rubrique sera bientôt disponible."


@dataclass(frozen=True)
class Area:
    """One entry of the left menu: a portal area and its page."""

    key: str
    label: str
    path: str
    shows_creditor: bool = True
    """Flag for naming the selected creditor in the page title, False for the user's own settings."""


STATEMENT = Area("statement", "État de compte", "/etat-de-compte")
DISPUTES = Area("disputes", "Litiges", "/litiges")
CONTACT = Area("contact", "Nous contacter", "/nous-contacter")
ACCOUNT_DETAILS = Area("account_details", "Informations compte", "/informations-compte")
PAYMENT = Area("payment", "Règlement", "/reglement")
MENU = (STATEMENT, DISPUTES, CONTACT, ACCOUNT_DETAILS, PAYMENT)
SECURITY = Area("security", "Sécurité", "/securite", shows_creditor=False)
USERS = Area("users", "Utilisateurs", "/utilisateurs", shows_creditor=False)
BANK_CHANGE_REVIEWS = Area(
    "bank_change_reviews", "Demandes de modification bancaire", "/back-office/demandes-bancaires"
)


STAFF_AREAS = (BANK_CHANGE_REVIEWS, SECURITY)


def menu_for(role: Role) -> tuple[Area, ...]:
    """Return the left menu of ``role``: staff get the back-office, administrateurs also manage users.

    The menu only hides pages. Each service checks the role again.
    """
    if role is Role.STAFF:
        return STAFF_AREAS
    if role is Role.ADMIN:
        return (*MENU, USERS, SECURITY)
    return (*MENU, SECURITY)


@dataclass(frozen=True)
class PortalFrame:
    """The logged-in user's session, the agency's creditors and the creditor the page shows.

    ``staff_creditors`` maps the id of each creditor a staff user works for to its name. The
    top bar shows those names in place of the agency's creditor selector.
    """

    session: ActiveSession
    creditors: list[Creditor]
    creditor: Creditor | None
    area: Area
    staff_creditors: dict[str, str] = field(default_factory=dict)

    @property
    def staff_creditor_names(self) -> tuple[str, ...]:
        """Return the staff user's creditor names as shown, in French alphabetical order."""
        return tuple(sorted((typographic_apostrophes(name) for name in self.staff_creditors.values()), key=sort_key))


async def load_frame(request: web.Request, area: Area, creditor_id: str | None = None) -> PortalFrame:
    """Load the session and creditors of a page, or raise NotFound for a creditor foreign to the agency.

    Without ``creditor_id`` the page shows the creditor remembered in the
    creditor cookie, or the agency's first creditor when the cookie is
    missing or names a creditor the session does not hold.
    """
    active = await require_session(request)
    if active.info.role is Role.STAFF and area not in STAFF_AREAS:
        # Staff hold no customer account, so an agency page would show them nothing.
        raise web.HTTPFound(BANK_CHANGE_REVIEWS.path)
    if active.info.role is Role.STAFF:
        names = await accounts_portal(request).creditor_names(active.info)
        return PortalFrame(active, [], None, area, staff_creditors=names)
    creditors = await request.app[ACCOUNTS].list_creditors(active.info)

    if creditor_id is not None:
        require_account(active.info, creditor_id)
        selected = next(
            (creditor for creditor in creditors if creditor.id == creditor_id),
            Creditor(id=creditor_id, name=creditor_id),
        )
        return PortalFrame(active, creditors, selected, area)

    remembered = request.cookies.get(request.app[COOKIE_NAMES].creditor)
    selected = next((creditor for creditor in creditors if creditor.id == remembered), None)
    if selected is None and creditors:
        selected = creditors[0]
    return PortalFrame(active, creditors, selected, area)


def frame_context(request: web.Request, frame: PortalFrame) -> dict[str, Any]:
    """Build the template variables of the page frame (menu, breadcrumb, selector, user)."""
    info = frame.session.info
    return {
        # Names are stored as typed, and pages show their straight apostrophes as ’.
        "user_name": typographic_apostrophes(info.display_name or info.login),
        "agency_name": typographic_apostrophes(info.agency_name or ""),
        "creditors": frame.creditors,
        "creditor": frame.creditor,
        "staff_creditor_names": frame.staff_creditor_names,
        "menu": menu_for(info.role),
        "area": frame.area,
        "breadcrumb": [(HOME_LABEL, HOME_PATH), (frame.area.label, None)],
        "csrf_field": CSRF_FIELD,
        "csrf_token": session_csrf_token(request.app, info.session_id),
        "current_path": request.path,
    }


def render_page(
    request: web.Request,
    template: str,
    frame: PortalFrame,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    return aiohttp_jinja2.render_template(
        template, request, {**frame_context(request, frame), **(context or {})}, status=status
    )


async def render_coming_soon(request: web.Request, area: Area) -> web.Response:
    """Render an area that is not built yet, inside the full page frame."""
    frame = await load_frame(request, area)
    return render_page(request, "coming_soon.html", frame, {"message": COMING_SOON_MESSAGE})
