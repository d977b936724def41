"""``mesfactures up``: the whole product on embedded engines, in the foreground."""

from __future__ import annotations

import asyncio
import signal

import structlog

from services.runtime.stack import ProcessGroup, StackSettings, embedded_postgres, prepare_databases, start_processes

log = structlog.get_logger(__name__)


def run_up(*, load_demo: bool) -> int:
    settings = StackSettings()
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
                asyncio.run(prepare_databases(stack))
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
