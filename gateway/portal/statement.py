"""État de compte: the agency's invoices, credit notes and payments at one creditor."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from gateway.clients import LEDGER
from gateway.format import group_thousands, parse_amount
from gateway.ledger_files import ExportFormat
from gateway.portal.ageing_chart import build_ageing_chart
from gateway.portal.documents import document_pdf_url, statement_export_url
from gateway.portal.layout import STATEMENT, PortalFrame, load_frame, render_page
from gateway.portal.pagination import build_pagination
from shared.errors import Unprocessable

PAGE_SIZE = 50
# Page numbers stay below 1 000 000, which has 7 digits, and this bound keeps int() short.
MAX_PAGE_DIGITS = 7
FILTER_FIELDS = ("view", "date_from", "date_to", "number")
DEFAULT_VIEW = "unpaid"
VIEW_CHOICES = (
    ("unpaid", "Factures non réglées"),
    ("all", "Toutes les écritures sur un an"),
)
VIEW_CODES = frozenset(code for code, _label in VIEW_CHOICES)
VIEW_LABELS = dict(VIEW_CHOICES)
# Without a « Du » date, the ledger's all-entries view starts this many days before today, and a number
# search there covers only that period (ALL_VIEW_DAYS in services/ledger/statement.py).
ALL_VIEW_DAYS = 365
EMPTY_MESSAGE = "Aucune écriture ne correspond à votre recherche."
# Without a number or dates, an empty view names what it lacks instead of a search result.
UNFILTERED_EMPTY_MESSAGES = {
    "unpaid": "Aucune facture à régler pour le moment.",
    "all": "Aucune écriture sur les douze derniers mois.",
}
NO_CREDITOR_MESSAGE = "Aucun créancier n’est rattaché à votre agence. Contactez votre créancier pour y accéder."


def read_filters(query: MultiMapping[str]) -> dict[str, str]:
    """Return the non-empty filters of the query string, with the default view when none is given.

    An unknown view, such as one from an old bookmark, is replaced by the
    default view, because the ledger's message for it names internal codes. Other
    values pass to the ledger unchanged: it validates them and returns a
    French message that the page shows above the table.
    """
    filters = {name: query.get(name, "").strip() for name in FILTER_FIELDS}
    filters = {name: value for name, value in filters.items() if value}
    if filters.get("view") not in VIEW_CODES:
        filters["view"] = DEFAULT_VIEW
    return filters


def filter_dates(filters: dict[str, str]) -> tuple[date | None, date | None]:
    """Return the « Du » and « Au » dates of ``filters``, or (None, None) when the ledger rejects them.

    The ledger parses the dates with the same ``date.fromisoformat``, and rejects an end before the start.
    """
    try:
        start = date.fromisoformat(filters["date_from"]) if "date_from" in filters else None
        end = date.fromisoformat(filters["date_to"]) if "date_to" in filters else None
    except ValueError:
        return None, None
    if start is not None and end is not None and start > end:
        return None, None
    return start, end


def all_view_label(filters: dict[str, str]) -> str:
    """Return the label of the all-entries view for the dates of ``filters``, which replace its default year.

    With only a « Du » date the ledger sets no end, and with only an « Au » date it sets no start.
    allViewLabel in statement.js builds the same label while the user types the dates.
    """
    start, end = filter_dates(filters)
    if start is not None and end is not None:
        return f"Toutes les écritures du {start:%d/%m/%Y} au {end:%d/%m/%Y}"
    if start is not None:
        return f"Toutes les écritures depuis le {start:%d/%m/%Y}"
    if end is not None:
        return f"Toutes les écritures jusqu’au {end:%d/%m/%Y}"
    return VIEW_LABELS["all"]


def view_choices(filters: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Return the choices of the « Affichage » list, with the all-entries label naming the dates of ``filters``."""
    return tuple((code, all_view_label(filters) if code == "all" else label) for code, label in VIEW_CHOICES)


def no_match_message(filters: dict[str, str], today: date) -> str:
    """Return the message for a number search that found nothing: the view, the period searched and how to widen them.

    ``today`` is the ledger's Paris date, which sets the default start of the
    all-entries view. The ledger has already accepted the dates. The all-entries
    label names the chosen dates itself, so only its default year gets a period here.
    """
    number = filters["number"]
    view = filters["view"]
    start, end = filter_dates(filters)
    all_view = f"«\u00a0{all_view_label(filters)}\u00a0»"

    if view == "all" and start is None and end is None:
        year_ago = today - timedelta(days=ALL_VIEW_DAYS)
        return (
            f"Aucune écriture ne correspond à «\u00a0{number}\u00a0» dans {all_view}, "
            f"entre le {year_ago:%d/%m/%Y} et le {today:%d/%m/%Y}\u00a0: "
            "pour un document plus ancien, choisissez une date «\u00a0Du\u00a0» antérieure."
        )
    if view == "all":
        return f"Aucune écriture ne correspond à «\u00a0{number}\u00a0» dans {all_view}\u00a0: élargissez les dates."

    if start is not None and end is not None:
        period = f", entre le {start:%d/%m/%Y} et le {end:%d/%m/%Y}"
    elif start is not None:
        period = f", depuis le {start:%d/%m/%Y}"
    elif end is not None:
        period = f", jusqu’au {end:%d/%m/%Y}"
    else:
        period = ""
    searched = f"Aucune écriture ne correspond à «\u00a0{number}\u00a0» dans «\u00a0{VIEW_LABELS[view]}\u00a0»{period}\u00a0: "
    if period:
        return searched + f"élargissez les dates, ou choisissez {all_view} pour voir aussi les écritures réglées."
    return searched + f"choisissez {all_view} pour voir aussi les écritures réglées."


def read_page(query: MultiMapping[str]) -> int:
    """Return the requested page number, or 1 for anything but a positive integer in ASCII digits below 1 000 000.

    ``str.isdigit`` alone would pass other scripts' digits such as « ٣ », and
    superscripts such as « ² », which int() then rejects.
    """
    text = query.get("page", "1")
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_PAGE_DIGITS:
        return 1
    page = int(text)
    return page if 0 < page < 1_000_000 else 1


async def statement_page(request: web.Request) -> web.Response:
    """Show the statement of the creditor chosen in the selector."""
    frame = await load_frame(request, STATEMENT)
    return await render_statement(request, frame)


async def creditor_statement_page(request: web.Request) -> web.Response:
    """Show the statement of the creditor in the path, or 404 when the agency has no account there."""
    frame = await load_frame(request, STATEMENT, creditor_id=request.match_info["creditor"])
    return await render_statement(request, frame)


async def render_statement(request: web.Request, frame: PortalFrame) -> web.Response:
    filters = read_filters(request.query)
    page = read_page(request.query)
    context: dict[str, Any] = {
        "filters": filters,
        "view_choices": view_choices(filters),
        "all_view_default_label": VIEW_LABELS["all"],
        "statement": None,
        "ageing": None,
        "pdf_urls": {},
        "pagination": None,
        "error": None,
        "empty_message": EMPTY_MESSAGE,
        "no_creditor_message": NO_CREDITOR_MESSAGE,
    }
    if frame.creditor is None:
        return render_page(request, "statement.html", frame, context)

    parameters = {**filters, "page": str(page), "page_size": str(PAGE_SIZE)}
    ledger = request.app[LEDGER]
    statement, ageing = await asyncio.gather(
        ledger.statement(frame.session.info, frame.creditor.id, parameters),
        ledger.ageing(frame.session.info, frame.creditor.id),
        return_exceptions=True,
    )
    if isinstance(statement, BaseException) and not isinstance(statement, Unprocessable):
        raise statement
    if isinstance(ageing, BaseException):
        raise ageing
    # The ageing covers the whole account whatever the filters, so it shows even beside a filter error.
    context["ageing"] = build_ageing_chart(ageing)
    if isinstance(statement, Unprocessable):
        context["error"] = statement.message
        return render_page(request, "statement.html", frame, context, status=422)

    creditor_id = frame.creditor.id
    context["statement"] = statement
    total_rows = _int_or(statement.get("total_rows"), len(statement["rows"]))
    if not statement["rows"] and total_rows == 0 and filters.get("number"):
        context["empty_message"] = no_match_message(filters, date.fromisoformat(ageing["as_of"]))
    elif not statement["rows"] and total_rows == 0 and statement.get("brought_forward"):
        context["empty_message"] = "Aucune écriture sur cette période\u00a0: le solde des écritures antérieures figure ci-dessous."
    elif not statement["rows"] and total_rows == 0 and filters.keys() <= {"view"}:
        context["empty_message"] = UNFILTERED_EMPTY_MESSAGES.get(filters["view"], EMPTY_MESSAGE)
    elif not statement["rows"] and total_rows > 0:
        # A page past the end comes from an old link or a shortened list, so the message gives the number of pages.
        page_count = -(-total_rows // _int_or(statement.get("page_size"), PAGE_SIZE))
        pages = f"{group_thousands(str(page_count))}\u00a0page" + ("s" if page_count > 1 else "")
        context["empty_message"] = f"La page {group_thousands(str(page))} n’existe pas : cette sélection compte {pages}."
    context["pdf_urls"] = {
        row.get("id"): document_pdf_url(creditor_id, row["document_number"], row.get("id"))
        for row in statement["rows"]
        if row.get("has_pdf") and row.get("document_number")
    }
    context["csv_url"] = statement_export_url(creditor_id, ExportFormat.CSV, filters)
    context["statement_pdf_url"] = statement_export_url(creditor_id, ExportFormat.PDF, filters)
    context["pagination"] = build_pagination(
        request.path,
        filters,
        page=_int_or(statement.get("page"), page),
        page_size=_int_or(statement.get("page_size"), PAGE_SIZE),
        total_rows=total_rows,
    )
    context["total_rows_label"] = f"{group_thousands(str(total_rows))}\u00a0écriture" + ("s" if total_rows > 1 else "")
    context["totals_differ"] = _totals_differ(statement.get("totals"))
    context["lists_credits"] = filters["view"] == "unpaid" and any(
        _is_nonzero(row.get("credit")) for row in statement["rows"]
    )
    return render_page(request, "statement.html", frame, context)


def _totals_differ(totals: object) -> bool:
    """Return whether the Total row's debit minus credit differs from its amount still due.

    They differ when an entry is partly settled: its debit or credit counts in
    full, and only what is left of it counts in the amount still due.
    """
    if not isinstance(totals, dict):
        return False
    try:
        debit, credit, due = (parse_amount(totals[key]) for key in ("debit", "credit", "amount_due"))
    except (KeyError, TypeError, ValueError):
        return False
    return debit - credit != due


def _is_nonzero(value: object) -> bool:
    try:
        return parse_amount(value) != 0
    except (TypeError, ValueError):
        return False


def _int_or(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def setup_routes(app: web.Application) -> None:
    app.router.add_get(STATEMENT.path, statement_page, name="statement")
    app.router.add_get("/creanciers/{creditor}/etat-de-compte", creditor_statement_page, name="creditor_statement")
