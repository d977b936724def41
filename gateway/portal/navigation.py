"""Checks on the return paths that forms carry, so no redirect leaves the portal."""

from __future__ import annotations

import re

from aiohttp import web
from yarl import URL

DEFAULT_PATH = "/etat-de-compte"
# Query parameter of the login page after a session ended: "page" for a page request, "formulaire"
# for a form submission, whose content the gateway could not keep.
SESSION_EXPIRED_PARAMETER = "expiree"
SESSION_EXPIRED_ON_PAGE = "page"
SESSION_EXPIRED_ON_FORM = "formulaire"
CREDITOR_PATH = re.compile(r"^/creanciers/[^/?#]+(?P<rest>/[^?#]*)$")


def local_path(candidate: object, default: str = DEFAULT_PATH) -> str:
    """Return ``candidate`` when it is a path on this site, else ``default``.

    Rejects absolute and scheme-relative URLs (``//host``, ``/\\host``) and
    control characters, which browsers may turn into a redirect elsewhere.
    """
    if not isinstance(candidate, str) or not candidate.startswith("/"):
        return default
    if candidate.startswith(("//", "/\\")):
        return default
    if any(ord(character) < 0x20 or character == "\x7f" for character in candidate):
        return default
    return candidate


def path_for_creditor(path: str, creditor: str) -> str:
    """Rewrite a ``/creanciers/{id}/…`` path for ``creditor``, and drop the query of any path."""
    path_only = path.split("?", 1)[0].split("#", 1)[0]
    match = CREDITOR_PATH.match(path_only)
    if match is None:
        return path_only
    return f"/creanciers/{creditor}{match['rest']}"


def same_origin_referer(request: web.Request) -> URL | None:
    """Return the request's Referer when it is a page of this site, else None.

    The gateway sends ``Referrer-Policy: same-origin``, so a browser adds the
    Referer to the forms of its pages and leaves it out of another site's requests.
    """
    try:
        referer = URL(request.headers.get("Referer", ""))
    except ValueError:
        return None
    if not referer.is_absolute() or referer.raw_authority != request.host:
        return None
    return referer
