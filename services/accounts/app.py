"""The accounts service: application factory and lifecycle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import structlog
from aiohttp import web

from services.accounts.crypto import DataCipher
from services.accounts.keys import ACCOUNTS_SETTINGS, CIPHER
from services.accounts.mail import encrypt_pending_mail
from services.accounts.mail_dispatch import MailDispatcher, delete_sent_mail
from services.accounts.mail_sink import MailSink
from services.accounts.routes import setup_routes
from services.accounts.sessions import delete_dead_sessions
from services.accounts.settings import AccountsSettings
from services.accounts.throttle import delete_old_attempts, use_login_hash_key
from shared.service import SETTINGS, ServiceDefinition
from shared.settings import load_settings
from shared.web import POOL

log = structlog.get_logger(__name__)

HOUSEKEEPING_INTERVAL_SECONDS = 600.0


async def settings_context(app: web.Application) -> AsyncIterator[None]:
    """Read the accounts settings and build the data cipher, before anything serves."""
    settings = app[SETTINGS]
    if not isinstance(settings, AccountsSettings):
        # services.main builds plain ServiceSettings; the extra MF_ variables come from the environment.
        settings = load_settings(AccountsSettings, **settings.model_dump())
    app[ACCOUNTS_SETTINGS] = settings
    use_login_hash_key(settings.data_encryption_key)
    if settings.data_encryption_key:
        app[CIPHER] = DataCipher(settings.data_encryption_key, settings.previous_data_keys())
    else:
        log.warning(
            "data_encryption_key_missing",
            detail="MF_DATA_ENCRYPTION_KEY is not set: bank-detail and TOTP routes return 503 until it is,"
            " and queued mail, with its link tokens, is stored in clear",
        )
    yield


async def mail_context(app: web.Application) -> AsyncIterator[None]:
    """Encrypt unsent mail stored in clear, then run the local SMTP sink and the dispatcher when configured.

    The sink runs when MF_MAIL_SINK_DIR is set, and the dispatcher when there is a server to send to.
    """
    settings = app[ACCOUNTS_SETTINGS]
    cipher = app.get(CIPHER)
    if cipher is not None:
        await encrypt_pending_mail(app[POOL], cipher)
    sink = None
    if settings.mail_sink_dir is not None:
        sink = MailSink(settings.mail_sink_dir, port=settings.smtp_port)
        await sink.start()
    smtp_host = settings.smtp_host or ("127.0.0.1" if sink is not None else "")
    dispatcher = None
    if smtp_host:
        dispatcher = MailDispatcher(app[POOL], settings, cipher=cipher, smtp_host=smtp_host)
        await dispatcher.start()
    else:
        log.warning("mail_sending_disabled", detail="set MF_SMTP_HOST or MF_MAIL_SINK_DIR; mail stays queued")
    try:
        yield
    finally:
        if dispatcher is not None:
            await dispatcher.stop()
        if sink is not None:
            await sink.stop()


async def _delete_dead_rows(app: web.Application) -> None:
    while True:
        await asyncio.sleep(HOUSEKEEPING_INTERVAL_SECONDS)
        try:
            async with app[POOL].acquire() as connection:
                attempts = await delete_old_attempts(connection)
                sessions = await delete_dead_sessions(connection)
                mail = await delete_sent_mail(connection)
            log.info("housekeeping_done", deleted_attempts=attempts, deleted_sessions=sessions, deleted_mail=mail)
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("housekeeping_failed", error=repr(error))


async def housekeeping_context(app: web.Application) -> AsyncIterator[None]:
    """Delete old login attempts, dead sessions and old sent mail every 10 minutes."""
    task = asyncio.create_task(_delete_dead_rows(app), name="accounts-housekeeping")
    yield
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


DEFINITION = ServiceDefinition(
    name="accounts",
    migrations=Path(__file__).parent / "migrations",
    setup_routes=setup_routes,
    extra_contexts=[settings_context, mail_context, housekeeping_context],
)
