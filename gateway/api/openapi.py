"""The OpenAPI 3.1 document of the JSON API, written by hand next to the routes it describes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.api.account_details_openapi import ACCOUNT_DETAILS_PATHS, ACCOUNT_DETAILS_SCHEMAS
from gateway.api.openapi_schemas import SCHEMAS
from gateway.api.session import API_BASE
from gateway.sessions import COOKIE_NAMES
from gateway.settings import SETTINGS

JSON_BODY_NOTE = (
    "State-changing requests must send `Content-Type: application/json`, otherwise the "
    "gateway responds with 415. A cross-site HTML form cannot send that header, which is the "
    "API's CSRF defence."
)
REQUEST_SIZE_NOTE = (
    "Any operation answers 414 (code `uri_too_long`) to a URL over 8 KiB and 431 (code "
    "`header_too_large`, `details.header` names it) to a header over 8 KiB, with the usual error body."
)


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json_response(description: str, schema_name: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


UNAUTHENTICATED = _error_response("No valid session cookie (code `unauthenticated`).")
UNAVAILABLE = _error_response("A service behind the gateway is unavailable (code `service_unavailable`).")
BODY_TOO_LARGE = _error_response(
    "The body is larger than the gateway's limit of 1 MiB (code `payload_too_large`, details.max_size in bytes)."
)
RETRY_AFTER_HEADER = {
    "description": "seconds to wait before the next attempt: details.retry_after rounded up",
    "schema": {"type": "integer", "minimum": 1},
}
UNSTORABLE_PARAMETER = (
    "a parameter contains a character that no service can store, such as NUL (code `invalid_value`, "
    "details.field names the parameter)"
)


def _query_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


STATEMENT_PARAMETERS = [
    {"name": "creditor", "in": "path", "required": True, "schema": {"type": "string"}},
    _query_parameter(
        "view",
        "unpaid (default): debits with an amount due and credits not yet allocated, of any date unless "
        "date_from or date_to bound it, so that without dates the total amount due is the balance; all: every "
        "entry of the last year or of date_from..date_to, after the balance brought forward",
        {"type": "string", "enum": ["unpaid", "all"], "default": "unpaid"},
    ),
    _query_parameter("date_from", "first document date included", {"type": "string", "format": "date"}),
    _query_parameter("date_to", "last document date included", {"type": "string", "format": "date"}),
    _query_parameter(
        "number",
        "part of a document number, ignoring spaces, punctuation and case; a search made only of "
        "punctuation matches that punctuation, ignoring spaces and case",
        {"type": "string"},
    ),
    _query_parameter("page", "page number", {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}),
    _query_parameter(
        "page_size", "rows per page", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    ),
]

CREDITOR_PARAMETER = {"name": "creditor", "in": "path", "required": True, "schema": {"type": "string"}}
# The statement's filters without pagination, which does not apply to a file.
EXPORT_PARAMETERS = [
    parameter for parameter in STATEMENT_PARAMETERS if parameter["name"] not in ("page", "page_size")
]
CACHING_HEADERS = {
    "ETag": {"description": "SHA-256 of the stored file, quoted", "schema": {"type": "string"}},
    "Cache-Control": {
        "schema": {"type": "string", "examples": ["no-store"]}
    },
    "Last-Modified": {"description": "when the file was rendered", "schema": {"type": "string"}},
}


def _file_response(description: str, media_type: str, *, cached: bool = False) -> dict[str, Any]:
    headers: dict[str, Any] = {
        "Content-Disposition": {
            "description": "`inline` or `attachment`, with a file name",
            "schema": {"type": "string", "examples": ['inline; filename="FA-0001.pdf"']},
        }
    }
    if cached:
        headers.update(CACHING_HEADERS)
    else:
        headers["Cache-Control"] = {"schema": {"type": "string", "const": "no-store"}}
    return {
        "description": description,
        "headers": headers,
        "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
    }


PATHS: dict[str, Any] = {
    f"{API_BASE}/session": {
        "post": {
            "operationId": "createSession",
            "summary": "Log in and set the session cookie",
            "description": "Opens a new session and sets a fresh session cookie, revoking the previous one. "
            + JSON_BODY_NOTE,
            "security": [],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Credentials"}}},
            },
            "responses": {
                "200": _json_response("Logged in; the response sets the session cookie.", "SessionCreated"),
                "400": _error_response("The body is not a JSON object (code `invalid_json`)."),
                "401": _error_response(
                    "Wrong login or password (code `invalid_credentials`), or for a user enrolled in TOTP "
                    "a missing or wrong totp_code (codes `totp_required`, `invalid_totp_code`)."
                ),
                "413": BODY_TOO_LARGE,
                "415": _error_response("Content-Type is not application/json."),
                "422": _error_response(
                    "login or password is missing or not a string, or totp_code is not a string (code "
                    "`invalid_value`, details.fields lists those fields)."
                ),
                "429": {
                    **_error_response("Too many failed logins (code `throttled`, details.retry_after in seconds)."),
                    "headers": {"Retry-After": RETRY_AFTER_HEADER},
                },
                "503": UNAVAILABLE,
            },
        },
        "delete": {
            "operationId": "deleteSession",
            "summary": "Log out: revoke the session and clear its cookie",
            "description": JSON_BODY_NOTE,
            "security": [],
            "responses": {
                "204": {"description": "Logged out (also when no session was open)."},
                "415": _error_response("Content-Type is not application/json."),
                "503": UNAVAILABLE,
            },
        },
    },
    f"{API_BASE}/me": {
        "get": {
            "operationId": "getMe",
            "summary": "Return the logged-in user and the agency's accounts",
            "responses": {"200": _json_response("The current session.", "Me"), "401": UNAUTHENTICATED, "503": UNAVAILABLE},
        }
    },
    f"{API_BASE}/creditors": {
        "get": {
            "operationId": "listCreditors",
            "summary": "List the creditors the agency holds an account at, or that the staff user works for",
            "responses": {
                "200": _json_response(
                    "The agency's creditors, or for a staff user the creditors they work for, ordered by name.",
                    "CreditorList",
                ),
                "401": UNAUTHENTICATED,
                "503": UNAVAILABLE,
            },
        }
    },
    f"{API_BASE}/creditors/{{creditor}}/statement": {
        "get": {
            "operationId": "getStatement",
            "summary": "Return the statement of the agency's account at one creditor",
            "description": "The ledger's JSON, passed through unchanged.",
            "parameters": STATEMENT_PARAMETERS,
            "responses": {
                "200": _json_response("One page of the statement.", "Statement"),
                "401": UNAUTHENTICATED,
                "404": _error_response("The agency holds no account at this creditor (code `not_found`)."),
                "422": _error_response(
                    "A filter value is invalid (code `invalid_filter`, details.field names the parameter), or "
                    + UNSTORABLE_PARAMETER
                    + "."
                ),
                "503": UNAVAILABLE,
            },
        }
    },
    f"{API_BASE}/creditors/{{creditor}}/documents/{{number}}/pdf": {
        "get": {
            "operationId": "getDocumentPdf",
            "summary": "Return an invoice or credit-note PDF (Factur-X) of the agency's account",
            "description": "The ledger renders each issued document once its date has ended and keeps it, so "
            "the response carries an `ETag`: send it back in `If-None-Match` to get 304. A document dated today "
            "or later is rendered at each request, because a change of the buyer's address may still apply to "
            "it, and so is a credit note whose corrected invoice neither its own reference nor its label states. "
            "Every response comes with `Cache-Control: no-store`, so that no browser keeps a document after "
            "logout. `Content-Disposition: inline` lets the browser's PDF "
            "viewer open and print it. Percent-encode the number: `FA  220001` is `FA%20%20220001`. "
            "Several documents of one account may share a number, as in FEC files whose PieceRef is the "
            "journal and month: pass the statement row's `id` as `entry` to open one of them.",
            "parameters": [
                CREDITOR_PARAMETER,
                {
                    "name": "number",
                    "in": "path",
                    "required": True,
                    "description": "document number, matched exactly first, then ignoring spaces and case",
                    "schema": {"type": "string"},
                },
                {
                    "name": "entry",
                    "in": "query",
                    "required": False,
                    "description": "`id` of the document's statement row, which must have this number. Without it, "
                    "a number shared by several documents of the account answers 409 `document_number_ambiguous`.",
                    "schema": {"type": "integer", "minimum": 1},
                },
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "description": "ETag of a copy the client already holds",
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": _file_response("The PDF/A-3 file with its Factur-X XML.", "application/pdf", cached=True),
                "304": {"description": "The copy named by If-None-Match is current.", "headers": CACHING_HEADERS},
                "401": UNAUTHENTICATED,
                "404": _error_response(
                    "No such invoice or credit note in the agency's account at this creditor, or `entry` names "
                    "no document of that account with this number (code `document_not_found`). A staff user, "
                    "who has no customer account, gets code `not_found`."
                ),
                "409": _error_response(
                    "The creditor's legal identity is incomplete or invalid, so the PDF cannot be issued yet "
                    "(code `seller_identity_incomplete`): `details.missing` lists the empty fields, or "
                    "`details.field` names an invalid one, and the message asks the agency to try again later. "
                    "The statement's `documents_available` is then false. Or the number is "
                    "shared by several documents of the account and no `entry` was given (code "
                    "`document_number_ambiguous`, `details.candidates` lists each `entry`, `kind`, "
                    "`document_date` and `total`). Or a text of the document, such as its number or the "
                    "buyer's name, has a character outside the Latin scripts that the PDF fonts draw (code "
                    "`document_character_unsupported`, `details.field` names the text). Or the document is a "
                    "credit note whose VAT cannot be derived from the invoice it corrects, because that invoice "
                    "is not in the ledger or has no amount (code `credit_note_vat_unknown`)."
                ),
                "422": _error_response(f"`number` or `entry`: {UNSTORABLE_PARAMETER}."),
                "503": UNAVAILABLE,
            },
        }
    },
    f"{API_BASE}/creditors/{{creditor}}/statement.csv": {
        "get": {
            "operationId": "exportStatementCsv",
            "summary": "Export the filtered statement as CSV for French Excel",
            "description": "Every row matching the filters, without pagination: `;` separated, UTF-8 with "
            "BOM, decimal comma, dates `31/07/2026`; sent as an attachment.",
            "parameters": EXPORT_PARAMETERS,
            "responses": {
                "200": _file_response("The CSV file.", "text/csv; charset=utf-8"),
                "401": UNAUTHENTICATED,
                "404": _error_response("The agency holds no account at this creditor (code `not_found`)."),
                "422": _error_response(
                    "A filter value is invalid (code `invalid_filter`, details.field names the parameter), or "
                    + UNSTORABLE_PARAMETER
                    + "."
                ),
                "503": UNAVAILABLE,
            },
        }
    },
    f"{API_BASE}/creditors/{{creditor}}/statement.pdf": {
        "get": {
            "operationId": "exportStatementPdf",
            "summary": "Export the filtered statement as a PDF « Relevé de compte »",
            "description": "Every row matching the filters, without pagination, on A4 pages with the "
            "totals of the JSON statement; rendered on each request and sent inline.",
            "parameters": EXPORT_PARAMETERS,
            "responses": {
                "200": _file_response("The PDF file.", "application/pdf"),
                "401": UNAUTHENTICATED,
                "404": _error_response("The agency holds no account at this creditor (code `not_found`)."),
                "422": _error_response(
                    "A filter value is invalid (code `invalid_filter`, details.field names the parameter), "
                    "or more than 5 000 rows match (code `statement_too_long`, details.max_rows): narrow the "
                    "period or use the CSV export. Also when " + UNSTORABLE_PARAMETER + "."
                ),
                "503": UNAVAILABLE,
            },
        }
    },
    f"{API_BASE}/creditors/{{creditor}}/imports/fec": {
        "post": {
            "operationId": "importFec",
            "summary": "Import a FEC file into the creditor's ledger (creditor staff only)",
            "description": "The body is the file itself, sent with `Content-Type: application/octet-stream` "
            "and a `Content-Length`, for example `curl --data-binary @FEC.txt -H 'Content-Type: "
            "application/octet-stream'`. The import is all or nothing, and a file already imported changes "
            "nothing. Only a staff user of this creditor may call it; the ledger checks it.",
            "parameters": [
                CREDITOR_PARAMETER,
                _query_parameter(
                    "file_name", "name of the file, kept with the import and used in messages", {"type": "string"}
                ),
                _query_parameter(
                    "encoding",
                    "code page of a file that is not UTF-8, such as cp1252 or cp850; detected with a warning "
                    "when omitted",
                    {"type": "string"},
                ),
            ],
            "requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            },
            "responses": {
                "200": _json_response("The import's summary, with its warnings.", "ImportSummary"),
                "401": UNAUTHENTICATED,
                "403": _error_response(
                    "The user is not staff of this creditor, or no such creditor exists. The response is the "
                    "same in both cases, so creditor ids cannot be probed (code `forbidden`)."
                ),
                "415": _error_response("Content-Type is not application/octet-stream."),
                "422": _error_response(
                    "The file is invalid (code `invalid_fec`, with details.line, details.column and "
                    "details.value where they apply), too large or sent without Content-Length (code "
                    "`invalid_value`), or file_name or encoding is invalid: "
                    + UNSTORABLE_PARAMETER
                    + ", or file_name is longer than 255 characters (code `invalid_value`)."
                ),
                "503": UNAVAILABLE,
            },
        }
    },
    f"{API_BASE}/creditors/{{creditor}}/ageing": {
        "get": {
            "operationId": "getAgeing",
            "summary": "Return the amounts still due by days overdue",
            "description": "Open invoices of the agency's account, in five buckets of Europe/Paris calendar "
            "days past the due date.",
            "parameters": [CREDITOR_PARAMETER],
            "responses": {
                "200": _json_response("The ageing summary.", "Ageing"),
                "401": UNAUTHENTICATED,
                "404": _error_response("The agency holds no account at this creditor (code `not_found`)."),
                "503": UNAVAILABLE,
            },
        }
    },
    f"{API_BASE}/openapi.json": {
        "get": {
            "operationId": "getOpenapiDocument",
            "summary": "Return this OpenAPI document",
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 document.",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "paths"]}}},
                }
            },
        }
    },
}


def openapi_document(session_cookie_name: str, server_url: str) -> dict[str, Any]:
    """Build the document. The cookie name follows MF_COOKIE_SECURE and the server URL is MF_PUBLIC_URL."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mes Factures API",
            "version": "1.0.0",
            "description": "JSON API of the Mes Factures portal. It uses the portal's session cookie. "
            "Error messages are in French. " + JSON_BODY_NOTE + " " + REQUEST_SIZE_NOTE,
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "security": [{"sessionCookie": []}],
        "paths": {**PATHS, **ACCOUNT_DETAILS_PATHS},
        "components": {
            "schemas": {**SCHEMAS, **ACCOUNT_DETAILS_SCHEMAS},
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": session_cookie_name},
            },
        },
    }


async def openapi_json(request: web.Request) -> web.Response:
    document = openapi_document(request.app[COOKIE_NAMES].session, str(request.app[SETTINGS].public_url))
    return web.json_response(document)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(f"{API_BASE}/openapi.json", openapi_json)
