"""Who may do what on NATS: one user per service, allowed to publish only its own events.

Without authentication, any process that reaches the NATS port could publish
``payments.payment.succeeded`` and have the ledger settle an invoice that
was never paid. So each service connects as a user named after it, and the
server lets that user publish only on the subjects of its own stream. The
rest of its permissions are the JetStream API calls the service makes:

- declaring the four streams (every service creates the streams it consumes
  from, so that its consumers can bind before the producer starts), and
  updating only its own stream's configuration;
- creating, reading and acknowledging its own durable consumers, one per
  subject it reads (`ServiceDefinition.subscriptions`), named after it;
  another service's consumers are out of its reach, so it can neither take
  their messages nor change their filter;
- reading replies on an inbox prefix of its own (``_INBOX_<service>``), so
  that one service cannot read the replies or messages fetched by another.

Nothing here lets a service delete or purge a stream, delete a consumer or
a message. The ``operator`` user has every permission, for the tests and for
maintenance with the ``nats`` command-line tool.

The permissions are written into the embedded server's configuration by
`services.runtime.engines.EmbeddedNats`, and into deploy/nats/users.conf for
Compose (`services.nats_users`). A test checks that the file is up to date.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

from shared.events.streams import STREAMS, durable_name, stream_for_subject

OPERATOR = "operator"
"""NATS user with every permission: tests and maintenance, never a service."""

SERVICE_USERS = tuple(STREAMS)
"""NATS users of the services, named after the service (``ledger`` and so on)."""


def generate_password() -> str:
    """Return a new random NATS password: a letter, then 43 URL-safe characters.

    nats-server reads a password given as ``$VARIABLE`` as a configuration
    value, so a value that starts with a digit can be taken for a number or
    a date ("All ISO8601 dates must be in full Zulu form") and stop the
    server. A leading letter keeps it a string.
    """
    return "N" + secrets.token_urlsafe(32)


def inbox_prefix(user: str) -> str:
    """Prefix of the reply subjects of ``user``'s connections."""
    return f"_INBOX_{user}"


def service_permissions(service: str, subscriptions: Sequence[str] = ()) -> dict[str, list[str]]:
    """Return the subjects ``service`` may publish to and subscribe to, as the server's allow lists.

    ``subscriptions`` are the subjects the service reads: it may use the
    durable consumer of each, named by `durable_name`, and no other consumer.
    """
    own_stream = STREAMS[service].name
    publish = [
        *STREAMS[service].subjects,
        "$JS.API.INFO",
        "$JS.API.STREAM.NAMES",
        "$JS.API.STREAM.INFO.*",
        *(f"$JS.API.STREAM.CREATE.{spec.name}" for spec in STREAMS.values()),
        f"$JS.API.STREAM.UPDATE.{own_stream}",
    ]
    for subject in subscriptions:
        stream = stream_for_subject(subject).name
        consumer = f"{stream}.{durable_name(service, subject)}"
        publish += [
            f"$JS.API.CONSUMER.INFO.{consumer}",
            f"$JS.API.CONSUMER.CREATE.{consumer}",
            f"$JS.API.CONSUMER.CREATE.{consumer}.>",
            f"$JS.API.CONSUMER.DURABLE.CREATE.{consumer}",
            f"$JS.API.CONSUMER.MSG.NEXT.{consumer}",
            f"$JS.ACK.{consumer}.>",
        ]
    return {"publish": publish, "subscribe": [f"{inbox_prefix(service)}.>"]}


def _quoted(text: str) -> str:
    if not text or any(character in text for character in '"\\') or not text.isprintable() or " " in text:
        raise ValueError(
            "a NATS user name or password must be printable, without spaces, quotes or backslashes:"
            " generate one with deploy/generate-secrets.py"
        )
    return f'"{text}"'


def authorization_block(passwords: Mapping[str, str], subscriptions: Mapping[str, Sequence[str]]) -> str:
    """Return the ``authorization`` block of a nats-server configuration for these users.

    ``passwords`` maps each user (the services and `OPERATOR`) to its
    password, given either as the password itself or as a reference to a
    variable, such as ``$MF_LEDGER_NATS_PASSWORD``, which nats-server reads
    from its environment. A reference is written unquoted. ``subscriptions``
    gives the subjects each service reads (see `service_permissions`).
    """
    lines = ["authorization {", "  users: ["]
    for user, password in passwords.items():
        value = password if password.startswith("$") else _quoted(password)
        lines.append(f"    {{user: {_quoted(user)}, password: {value}")
        if user == OPERATOR:
            lines.append("    }")
            continue
        permissions = service_permissions(user, subscriptions.get(user, ()))
        lines.append("     permissions: {")
        for direction in ("publish", "subscribe"):
            subjects = ", ".join(_quoted(subject) for subject in permissions[direction])
            lines.append(f"       {direction}: {{allow: [{subjects}]}}")
        lines.append("     }}")
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


DEPLOY_USERS_HEADER = """\
# NATS users of Mes Factures and their permissions, included by nats-1.conf,
# nats-2.conf and nats-3.conf. Generated from shared/events/access.py and the
# subjects each service reads: after a change to either, run
# `python -m services.nats_users > deploy/nats/users.conf` (a test fails
# while the two differ). nats-server reads each password from the
# environment variable named here; docker-compose.yml sets them from .env.
"""


def password_variable(user: str) -> str:
    """Environment variable of ``user``'s NATS password in production (docker-compose.yml, .env)."""
    return "MF_NATS_OPERATOR_PASSWORD" if user == OPERATOR else f"MF_{user.upper()}_NATS_PASSWORD"


def deploy_users_config(subscriptions: Mapping[str, Sequence[str]]) -> str:
    """Return the text of deploy/nats/users.conf."""
    users = (*SERVICE_USERS, OPERATOR)
    passwords = {user: f"${password_variable(user)}" for user in users}
    return DEPLOY_USERS_HEADER + authorization_block(passwords, subscriptions)
