"""Route that lists the local SMTP sink's messages, for the dev portal page (embedded runtime only)."""

from __future__ import annotations

from aiohttp import web

from services.accounts.domain import require_system
from services.accounts.keys import ACCOUNTS_SETTINGS
from services.accounts.mail_sink import list_messages
from shared.errors import NotFound
from shared.web import principal_of

MAX_LISTED_MESSAGES = 200


async def get_sink_messages(request: web.Request) -> web.Response:
    require_system(principal_of(request))
    folder = request.app[ACCOUNTS_SETTINGS].mail_sink_dir
    if folder is None:
        raise NotFound("Aucune boîte de réception locale n’est configurée (MF_MAIL_SINK_DIR).")
    messages = list_messages(folder)[:MAX_LISTED_MESSAGES]
    return web.json_response(
        {
            "messages": [
                {
                    "name": message.name,
                    "from": message.sender,
                    "to": message.to,
                    "envelope_to": message.envelope_to,
                    "subject": message.subject,
                    "date": message.date,
                    "text": message.text,
                }
                for message in messages
            ]
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/internal/mail-sink/messages", get_sink_messages)
