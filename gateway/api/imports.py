"""API route of FEC imports, for the creditor's staff: the file is streamed to the ledger as it arrives."""

from __future__ import annotations

import re

from aiohttp import web

from gateway.api.session import API_BASE
from gateway.clients import LEDGER
from gateway.format import group_thousands
from gateway.query_values import check_values
from gateway.sessions import require_session
from shared.errors import Unprocessable

# The ledger's own limit on one file.
MAX_FEC_BYTES = 256 * 1024 * 1024
RAW_BODY_CONTENT_TYPE = "application/octet-stream"
IMPORT_PATH = re.compile(rf"^{re.escape(API_BASE)}/creditors/[^/]+/imports/fec$")


def takes_raw_body(request: web.Request) -> bool:
    """Return whether the request is a FEC upload, whose body is the file and not JSON.

    HTML forms cannot send ``application/octet-stream``, and a cross-site
    script needs a CORS preflight to send it, which the gateway never grants,
    so this content type protects the route from CSRF as JSON does the others.
    A request without any Content-Type needs no preflight, so the JSON body
    middleware rejects it before comparing types.
    """
    return IMPORT_PATH.match(request.path) is not None


async def import_fec(request: web.Request) -> web.Response:
    active = await require_session(request)
    length = request.content_length
    if length is None:
        raise Unprocessable(
            "La taille du fichier est inconnue\u00a0: envoyez le fichier en entier avec l’en-tête Content-Length."
        )
    if length > MAX_FEC_BYTES:
        raise Unprocessable(
            f"Fichier trop volumineux\u00a0: {group_thousands(str(length))} octets pour un maximum de "
            f"{group_thousands(str(MAX_FEC_BYTES))}\u202f; découpez l’export par période.",
            size=length,
            max_size=MAX_FEC_BYTES,
        )
    params = {name: request.query[name] for name in ("file_name", "encoding") if request.query.get(name)}
    check_values(params)
    summary = await request.app[LEDGER].import_fec(
        active.info, request.match_info["creditor"], request.content, length, params
    )
    return web.json_response(summary)


def setup_routes(app: web.Application) -> None:
    app.router.add_post(f"{API_BASE}/creditors/{{creditor}}/imports/fec", import_fec)
