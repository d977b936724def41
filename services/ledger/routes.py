"""HTTP routes of the ledger service."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import asyncpg
import structlog
from aiohttp import web

from services.ledger.creditors import upsert_creditor
from services.ledger.domain import AccountNotFound, InvalidFecFile, search_key
from services.ledger.fec import FecError
from services.ledger.fec.controls import visible
from services.ledger.feed import accept_document, parse_feed_document
from services.ledger.importer import import_fec
from services.ledger.rendering import SellerIdentityIncomplete, StoredDocument, document_not_found, stored_document
from services.ledger.exports import ageing_summary, statement_csv
from services.ledger.export_routes import setup_export_routes
from services.ledger.statement import StatementFilter, creditor_exists, fetch_all_rows, fetch_statement
from shared.errors import Forbidden, Unprocessable
from shared.typography import format_count
from shared.principal import Principal, Role
from shared.web import (
    POOL,
    UNSTORABLE_TEXT_REASON,
    DuplicateJsonKey,
    loads_unique_keys,
    principal_of,
    request_id_of,
    unstorable_text_field,
)

log = structlog.get_logger(__name__)

MAX_FEC_BYTES = 256 * 1024 * 1024


def _require_operator(principal: Principal, creditor: str) -> None:
    """Imports and creditor settings are for the system and the creditor's own staff.

    A staff user gets the same 403 for a creditor that does not exist and for
    one they do not work for, so creditor ids cannot be probed.
    """
    if principal.role is Role.SYSTEM:
        return
    if principal.role is Role.STAFF:
        if creditor in principal.staff_creditors:
            return
        raise Forbidden(
            f"Le créancier «\u00a0{creditor}\u00a0» n’existe pas ou ne fait pas partie des créanciers pour "
            "lesquels vous travaillez\u00a0: vérifiez son identifiant, ou demandez à la personne qui a créé "
            "votre compte de vous y rattacher."
        )
    raise Forbidden(
        "Action réservée au personnel du créancier, qui importe les fichiers FEC et publie les factures\u00a0: "
        "pour lui transmettre un document, écrivez à son service facturation (menu «\u00a0Nous contacter\u00a0»)."
    )


async def get_statement(request: web.Request) -> web.Response:
    creditor = request.match_info["creditor"]
    principal = principal_of(request)
    account = principal.account_at(creditor)
    statement_filter = StatementFilter.from_query(dict(request.query))
    pool = request.app[POOL]
    async with pool.acquire() as connection:
        # The same 404 for "no such creditor" and "not yours", so ids cannot be probed.
        if account is None or not await creditor_exists(connection, creditor):
            raise AccountNotFound("Aucun compte client n’est rattaché à ce créancier pour votre agence.")
        body = await fetch_statement(connection, creditor, account, statement_filter)
    return web.json_response(body)


async def _read_fec_body(request: web.Request) -> bytes:
    """Read an uploaded FEC file of up to MAX_FEC_BYTES.

    The service's body limit (64 MiB, for JSON) is below what a year of a
    large creditor's entries takes, so the file is read from the stream with
    its own limit, also when no Content-Length announced its size.
    """
    chunks = []
    size = 0
    async for chunk in request.content.iter_chunked(1024 * 1024):
        size += len(chunk)
        if size > MAX_FEC_BYTES:
            raise Unprocessable(
                f"Fichier trop volumineux\u00a0: plus de {format_count(MAX_FEC_BYTES)} octets\u202f;"
                " découpez l’export par période."
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def post_fec_import(request: web.Request) -> web.Response:
    creditor = request.match_info["creditor"]
    _require_operator(principal_of(request), creditor)
    if request.content_length is not None and request.content_length > MAX_FEC_BYTES:
        raise Unprocessable(
            f"Fichier trop volumineux\u00a0: {format_count(request.content_length)} octets pour un maximum de"
            f" {format_count(MAX_FEC_BYTES)}\u202f; découpez l’export par période."
        )
    # Surrounding blanks are dropped, so a blank file name gets the default instead of showing as blanks in messages.
    file_name = (_checked_query_text(request, "file_name", "le nom du fichier") or "").strip() or "upload.txt"
    encoding = (_checked_query_text(request, "encoding", "le nom de l’encodage") or "").strip() or None
    data = await _read_fec_body(request)
    try:
        summary = await import_fec(
            request.app[POOL],
            creditor,
            data,
            file_name=file_name,
            encoding=encoding,
            correlation_id=request_id_of(request),
        )
    except FecError as error:
        # Support needs the reason later; the caller only gets it in the response.
        log.warning(
            "fec_import_rejected",
            creditor=creditor,
            file_name=file_name,
            user_id=principal_of(request).user_id,
            error_type=type(error).__name__,
            line=getattr(error, "line_number", None),
            error=str(error)[:500],
        )
        raise InvalidFecFile(
            _french_rejection(error),
            line=getattr(error, "line_number", None),
            column=getattr(error, "column", None),
            value=getattr(error, "value", None),
        ) from error
    return web.json_response(summary.as_json())


# Maximum length of a file name on ext4 (255 bytes) and NTFS (255 UTF-16 units), counted here in
# characters. No encoding name comes near it.
MAX_QUERY_TEXT_LENGTH = 255


def _checked_query_text(request: web.Request, name: str, label: str) -> str | None:
    """Return the query parameter `name`, or raise Unprocessable when it is too long or contains a control character.

    The file name and the encoding are stored with the import and quoted in
    its messages, where a line break or a control character would garble
    them, so they are rejected before the body is read.
    """
    value = request.query.get(name)
    if value is None:
        return None
    if len(value) > MAX_QUERY_TEXT_LENGTH:
        raise Unprocessable(
            f"Paramètre {name} invalide\u00a0: {label} compte {format_count(len(value))} caractères, pour un maximum de"
            f" {MAX_QUERY_TEXT_LENGTH}\u202f; raccourcissez-le.",
            field=name,
        )
    visible_value = visible(value)
    if visible_value != value:
        raise Unprocessable(
            f"Paramètre {name} invalide\u00a0: {label} «\u00a0{visible_value}\u00a0» contient un caractère de"
            " contrôle\u202f; retirez-le.",
            field=name,
        )
    return value


def _french_rejection(error: FecError) -> str:
    """Return the French message of a rejected file for the API: nothing was imported, then the reader's reason."""
    if "rien n’a été importé" in str(error):
        return f"Fichier FEC refusé. {error}"
    return f"Fichier FEC refusé, rien n’a été importé. {error}"


async def _json_body(request: web.Request) -> object:
    """Read the body as JSON with numbers as Decimal; raise Unprocessable naming what is wrong."""
    try:
        body = await request.json(loads=partial(loads_unique_keys, parse_float=Decimal))
    except DuplicateJsonKey as error:
        raise Unprocessable(error.message()) from None
    # ValueError: invalid JSON, bytes that are not UTF-8, or an integer of more than 4300 digits.
    # LookupError: a charset Python does not know. RecursionError: arrays nested too deep.
    except (ValueError, LookupError, RecursionError) as error:
        log.info("invalid_json_body", path=request.path, error_type=type(error).__name__)
        raise Unprocessable("Le corps de la requête doit être un document JSON.") from None
    field = unstorable_text_field(body)
    if field is not None:
        field = field or "corps"
        raise Unprocessable(f"Requête invalide : le champ {field} {UNSTORABLE_TEXT_REASON} ; retapez-le.", field=field)
    return body


async def put_creditor(request: web.Request) -> web.Response:
    creditor = request.match_info["creditor"]
    _require_operator(principal_of(request), creditor)
    body = await _json_body(request)
    if not isinstance(body, dict):
        raise Unprocessable("Le corps de la requête doit être un objet JSON, entre accolades.")
    name = str(body.get("name") or "").strip()
    if not name:
        raise Unprocessable("Le nom du créancier est obligatoire.")
    if body.get("identity") is not None:
        # The accounts service owns the identity and sends it to the ledger in
        # an event. A second writer here would let invoices print an IBAN that
        # staff have since replaced.
        raise Unprocessable(
            "Le champ identity n’est plus accepté ici : l’identité légale du créancier s’enregistre dans le "
            f"service accounts, par PUT /staff/creditors/{creditor}/identity, qui la transmet au grand livre. "
            "Retirez ce champ de la requête.",
            field="identity",
        )
    async with request.app[POOL].acquire() as connection:
        await upsert_creditor(connection, creditor, name, body.get("payment_terms") or "30 jours fin de mois")
    return web.json_response({"id": creditor, "name": name})


async def post_document(request: web.Request) -> web.Response:
    """Accept an invoice or credit note pushed by the creditor's billing system."""
    creditor = request.match_info["creditor"]
    _require_operator(principal_of(request), creditor)
    # Numbers are read as Decimal so no amount ever passes through a float.
    document = parse_feed_document(await _json_body(request))
    async with request.app[POOL].acquire() as connection, connection.transaction():
        entry_id, created = await accept_document(
            connection, creditor, document, correlation_id=request_id_of(request)
        )
    return web.json_response(
        {"entry_id": entry_id, "number": document.number, "created": created}, status=201 if created else 200
    )


async def get_document_pdf(request: web.Request) -> web.Response:
    """Serve an invoice or credit note PDF of the principal's own account.

    The optional ``entry`` query parameter, the statement row's id, picks one
    of several documents that share the number.
    """
    creditor = request.match_info["creditor"]
    number = request.match_info["number"]
    account = principal_of(request).account_at(creditor)
    entry_text = request.query.get("entry")
    # An entry id that is not a positive 64-bit integer names no entry, so it gets the same 404.
    valid_entry = entry_text is None or (entry_text.isascii() and entry_text.isdigit() and 0 < int(entry_text) < 2**63)
    if account is None or not valid_entry:
        raise document_not_found(number, entry_text)
    entry_id = int(entry_text) if entry_text is not None else None
    try:
        document = await stored_document(request.app[POOL], creditor, account, number, entry_id)
    except SellerIdentityIncomplete as incomplete:
        # Only the creditor can complete its identity, so the agency's message is to try
        # again later, and the log line gives operators the reason.
        log.warning("document_not_issued", creditor=creditor, reason=incomplete.message, **incomplete.details)
        raise SellerIdentityIncomplete(
            f"Le document n° {number} n’est pas encore disponible, car le créancier n’a pas fini"
            " de renseigner ses informations légales (raison sociale, SIREN, numéro de TVA, adresse, coordonnées"
            " bancaires)."
            " Réessayez plus tard, ou écrivez à son service facturation depuis « Nous contacter ».",
            **incomplete.details,
        ) from None
    file_name = await _pdf_file_name(request.app[POOL], creditor, account, document)
    etag = f'"{document.sha256}"'
    headers = {
        "ETag": etag,
        # No browser keeps a copy: one kept for a stored document, which never changes, was
        # still shown after logout, also to the next user of a shared computer. A client
        # that keeps its own copy may still revalidate it with the ETag.
        "Cache-Control": "private, no-store",
        "Last-Modified": document.rendered_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Content-Disposition": f'inline; filename="{file_name}"',
    }
    # aiohttp parses the header's list and W/ prefixes. HTTP defines "*" in If-None-Match as matching any current copy.
    if any(tag.value in (document.sha256, "*") for tag in request.if_none_match or ()):
        return web.Response(status=304, headers=headers)
    return web.Response(body=document.content, content_type="application/pdf", headers=headers)


async def _pdf_file_name(pool: asyncpg.Pool, creditor: str, account: str, document: StoredDocument) -> str:
    """Return the download name of a document's PDF, distinct for documents of the account that share a number.

    The name is ``{creditor}-{number}.pdf``, because the creditor's id keeps
    documents of two creditors with the same number apart in a downloads
    folder. When several documents of the account share the number (spaces
    and case ignored, as in a PieceRef made of the journal and the month),
    the document date follows the number. The entry id follows the date
    when documents with that number also share the date.

    NOTE: two numbers that differ only in characters that `_safe_file_name`
    replaces with "_", such as FA/1 and FA:1, still get the same name.
    """
    counts = await pool.fetchrow(
        """SELECT count(*) AS documents, count(*) FILTER (WHERE document_date = $4) AS same_date
             FROM entries
            WHERE creditor_id = $1 AND customer_account = $2 AND kind IN ('invoice', 'credit_note')
              AND search_key = $3""",
        creditor,
        account,
        search_key(document.number),
        document.document_date,
    )
    name = f"{_safe_file_name(creditor)}-{_safe_file_name(document.number)}"
    if counts["documents"] > 1:
        name += f"-{document.document_date.isoformat()}"
        if counts["same_date"] > 1:
            name += f"-{document.entry_id}"
    return f"{name}.pdf"


def _safe_file_name(number: str) -> str:
    return "".join(character if character.isalnum() or character in "-_." else "_" for character in number)


async def _own_account(request: web.Request, connection) -> tuple[str, str]:
    creditor = request.match_info["creditor"]
    account = principal_of(request).account_at(creditor)
    if account is None or not await creditor_exists(connection, creditor):
        raise AccountNotFound("Aucun compte client n’est rattaché à ce créancier pour votre agence.")
    return creditor, account


async def get_statement_csv(request: web.Request) -> web.Response:
    statement_filter = StatementFilter.from_query(dict(request.query))
    async with request.app[POOL].acquire() as connection:
        creditor, account = await _own_account(request, connection)
        rows = await fetch_all_rows(connection, creditor, account, statement_filter)
    return web.Response(
        body=statement_csv(rows),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="releve-{creditor}-{account}.csv"'},
    )


async def get_ageing(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as connection:
        creditor, account = await _own_account(request, connection)
        body = await ageing_summary(connection, creditor, account)
    return web.json_response(body)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/creditors/{creditor}/statement.csv", get_statement_csv)
    app.router.add_get("/creditors/{creditor}/ageing", get_ageing)
    app.router.add_get("/creditors/{creditor}/documents/{number}/pdf", get_document_pdf)
    app.router.add_post("/creditors/{creditor}/documents", post_document)
    app.router.add_get("/creditors/{creditor}/statement", get_statement)
    app.router.add_post("/creditors/{creditor}/imports/fec", post_fec_import)
    app.router.add_put("/creditors/{creditor}", put_creditor)
    setup_export_routes(app)
