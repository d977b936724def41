"""Apply the pending migrations of every service database in production.

Usage: python deploy/migrate.py [SERVICE ...]   (default: all four services)

`mesfactures migrate` works only against the embedded PostgreSQL, so the
compose `migrate` job runs this script instead. For each service it reads
MF_<SERVICE>_DATABASE_URL (for example MF_LEDGER_DATABASE_URL) and connects
as that service's own role, which owns the database. The roles and databases
must already exist (deploy/postgres/init/ creates them).

Exit codes: 0 when every database is up to date, 1 when a migration failed,
2 when a command-line argument or a variable is missing or invalid.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from urllib.parse import urlsplit

import asyncpg
import structlog

from services.registry import SERVICE_NAMES, service_definition
from shared.db import migrate
from shared.logging import configure_logging

log = structlog.get_logger("deploy.migrate")

# PostgreSQL may still reject connections right after its health check
# passes, for example during a restart. These bound the wait to about 20 s.
CONNECT_ATTEMPTS = 10
CONNECT_RETRY_SECONDS = 2.0


def database_url_variable(service: str) -> str:
    return f"MF_{service.upper()}_DATABASE_URL"


def describe_database(url: str) -> str:
    """Return ``user@host:port/database`` of ``url``, without the password, for logs."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.username}@{parts.hostname}{port}{parts.path}"


def read_database_urls(services: list[str]) -> dict[str, str]:
    """Return the URL of each service's database, or exit with one line per missing variable."""
    urls: dict[str, str] = {}
    problems: list[str] = []
    for service in services:
        variable = database_url_variable(service)
        url = os.environ.get(variable, "").strip()
        if not url:
            problems.append(
                f"missing environment variable {variable}: "
                f"set it to postgresql://{service}:PASSWORD@HOST:5432/{service}"
            )
        elif urlsplit(url).scheme not in ("postgresql", "postgres"):
            problems.append(
                f"invalid environment variable {variable}: expected a postgresql:// URL, "
                f"got scheme {urlsplit(url).scheme!r}"
            )
        else:
            urls[service] = url
    if problems:
        print("\n".join(problems), file=sys.stderr)
        raise SystemExit(2)
    return urls


async def migrate_service(service: str, url: str) -> list[str]:
    """Apply ``service``'s pending migrations, retrying while the server rejects connections."""
    folders = service_definition(service).migration_folders
    attempt = 1
    while True:
        try:
            return await migrate(url, folders)
        except (OSError, asyncpg.CannotConnectNowError) as error:
            if attempt >= CONNECT_ATTEMPTS:
                raise
            log.warning(
                "database_unreachable",
                target_service=service,
                database=describe_database(url),
                error=repr(error),
                attempt=attempt,
                retry_in=CONNECT_RETRY_SECONDS,
            )
            await asyncio.sleep(CONNECT_RETRY_SECONDS)
            attempt += 1


async def migrate_all(urls: dict[str, str]) -> int:
    """Migrate each database in turn and return the number of services that failed.

    A failure does not stop the others, so one run reports every problem.
    """
    failures = 0
    for service, url in urls.items():
        database = describe_database(url)
        # ImportError comes from a service whose code, which lists its
        # migration folders, fails to import.
        try:
            applied = await migrate_service(service, url)
        except (OSError, asyncpg.PostgresError, RuntimeError, ImportError) as error:
            failures += 1
            log.error("migration_failed", target_service=service, database=database, error=repr(error))
            continue
        if applied:
            log.info("migrations_applied", target_service=service, database=database, migrations=applied)
        else:
            log.info("database_up_to_date", target_service=service, database=database)
    return failures


def parse_arguments(argv: list[str] | None) -> list[str]:
    parser = argparse.ArgumentParser(
        description="Apply pending migrations to each service database named by MF_<SERVICE>_DATABASE_URL."
    )
    # Python 3.11's argparse rejects an empty nargs="*" list when `choices=` is
    # set, so the names are checked after parsing.
    parser.add_argument(
        "services",
        nargs="*",
        metavar="SERVICE",
        help=f"services to migrate, among {', '.join(SERVICE_NAMES)} (default: all)",
    )
    arguments = parser.parse_args(argv)
    for service in arguments.services:
        if service not in SERVICE_NAMES:
            parser.error(f"unknown service {service!r}: expected one of {', '.join(SERVICE_NAMES)}")
    return arguments.services or list(SERVICE_NAMES)


def main(argv: list[str] | None = None) -> int:
    services = parse_arguments(argv)
    configure_logging("migrate", log_format=os.environ.get("MF_LOG_FORMAT", "auto"))
    urls = read_database_urls(services)
    failures = asyncio.run(migrate_all(urls))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
