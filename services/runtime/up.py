"""``mesfactures up``: the whole product on embedded engines, in the foreground."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys

import structlog

from services.registry import SERVICE_NAMES
from services.runtime.engines import port_is_free
from services.runtime.operations import OperatorError, migrate_stack
from services.runtime.secrets import InvalidSecretsFile
from services.runtime.stack import (
    SMTP_SINK_HOST,
    DataFolderInUse,
    DataFolderUnusable,
    InvalidStackSettings,
    ProcessGroup,
    StackSettings,
    data_folder_lock,
    embedded_postgres,
    load_stack_settings,
    start_processes,
)

log = structlog.get_logger(__name__)


def run_up(*, load_demo: bool) -> int:
    try:
        settings = load_stack_settings()
    except InvalidStackSettings as error:
        _print_error(str(error))
        return 2
    try:
        with data_folder_lock(settings.data_dir):
            return _run_stack(settings, load_demo)
    except (DataFolderInUse, DataFolderUnusable) as error:
        _print_error(str(error))
        return 2


def _run_stack(settings: StackSettings, load_demo: bool) -> int:
    busy = _host_problem(settings.host) or _busy_port_problem(settings)
    if busy:
        print(f"error: {busy}", file=sys.stderr)
        return 2
    group = ProcessGroup()
    # A shell starts background jobs with SIGINT ignored, and Python then keeps
    # it ignored: restore Ctrl-C, and treat SIGTERM the same way, so that both
    # reach the clean-up below, which stops every child in order.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with embedded_postgres(settings) as stack:
            stack.nats.start()
            try:
                # migrate_stack turns a connection or login that the PostgreSQL on
                # MF_PG_PORT rejects, as another data folder's server does, into an
                # OperatorError that names the fix.
                asyncio.run(migrate_stack(stack))
                if load_demo:
                    from services.runtime.demo import load_demo as load_demo_data

                    log.info("demo_data", outcome=asyncio.run(load_demo_data(stack)))
                start_processes(stack, group)
                _print_banner(stack, load_demo)
                name, code = group.wait_any()
                log.error("process_exited", process=name, exit_code=code)
                return 1
            finally:
                group.stop()
                stack.nats.stop()
    except KeyboardInterrupt:
        print("\nstopped")
        return 0
    except OperatorError as error:
        _print_error(error.message)
        return error.exit_code
    except InvalidSecretsFile as error:
        _print_error(str(error))
        return 2
    except RuntimeError as error:
        # An engine or a process that failed to start; its own log lines are above.
        print(f"error: {error}".rstrip(), file=sys.stderr)
        return 1


def _host_problem(host: str) -> str | None:
    """Return why no server can listen on MF_HOST, with the fix, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, 0))
        except OSError as error:
            return (
                f"MF_HOST {host!r} is not an address of this machine ({error.strerror}): set it to one of its"
                " addresses, such as 192.168.56.10, or unset it to use 127.0.0.1"
            )
    return None


def _busy_port_problem(settings: StackSettings) -> str | None:
    """Name the first port that the portal's processes need and another program uses, with the fix."""
    ports = [
        ("MF_GATEWAY_PORT", settings.gateway_port, settings.host),
        ("MF_SMTP_PORT", settings.smtp_port, SMTP_SINK_HOST),
    ]
    ports += [
        (f"MF_FIRST_SERVICE_PORT (+{index}, {name})", settings.service_port(name), settings.host)
        for index, name in enumerate(SERVICE_NAMES)
    ]
    for variable, port, host in ports:
        if not port_is_free(port, host):
            return (
                f"port {port} ({variable}) is in use by another program: stop it, or set the variable to a free"
                " port (ports below 32768 are never given to outgoing connections)"
            )
    return None


def _print_error(message: str) -> None:
    for line in message.splitlines():
        print(f"error: {line}", file=sys.stderr)


def _interrupt(_signal_number: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _print_banner(stack, with_demo: bool) -> None:
    from services.runtime.demo import DEMO_LOGIN, DEMO_PASSWORD

    lines = [
        "",
        f"  Mes Factures is running: {stack.portal_url}",
    ]
    if with_demo:
        lines.append(f"  Demo login: {DEMO_LOGIN} / password: {DEMO_PASSWORD}")
    lines += [
        f"  Data, with the PostgreSQL and NATS logs: {stack.settings.data_dir}",
        "  Service logs: this terminal.",
        "  Press Ctrl-C to stop every process.",
        "",
    ]
    print("\n".join(lines), flush=True)
