"""Rendering a document writes no log line below warning from the PDF libraries."""

from __future__ import annotations

import logging

import structlog

from services.ledger.documents import render_document
from services.ledger.documents.samples import sample_invoice
from shared.logging import configure_logging

LIBRARY_LOGGERS = ("factur-x", "fontTools", "fontTools.subset")


def test_rendering_logs_no_library_info(capsys):
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    library_levels = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    configure_logging("ledger", log_format="json", level="info")
    try:
        render_document(sample_invoice())
        enabled = {name: logging.getLogger(name).isEnabledFor(logging.INFO) for name in LIBRARY_LOGGERS}
    finally:
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()
        root.handlers[:], root.level = handlers, level
        for name, library_level in library_levels.items():
            logging.getLogger(name).setLevel(library_level)
    logged = capsys.readouterr().err

    assert enabled == {name: False for name in LIBRARY_LOGGERS}
    assert "fontTools" not in logged
    assert "factur-x" not in logged
