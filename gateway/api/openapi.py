"""The OpenAPI 3.1 document of the JSON API, written by hand next to the routes it describes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.api.session import API_BASE
from gateway.sessions import COOKIE_NAMES
from gateway.settings import SETTINGS

DECIMAL_STRING = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["1234.56"]}
JSON_BODY_NOTE = (
    "State-changing requests must send `Content-Type: application/json`, otherwise the "
    "gateway responds with 415. A cross-site HTML form cannot send that header, which is the "
    "API's CSRF defence."
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

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "description": "stable machine-readable code", "examples": ["not_found"]},
                    "message": {"type": "string", "description": "French message for the user"},
                    "details": {"type": "object", "description": "values that explain the error, such as retry_after"},
                },
            }
        },
    },
    "Credentials": {
        "type": "object",
        "required": ["login", "password"],
        "properties": {
            "login": {"type": "string", "maxLength": 254, "examples": ["compta@agence-durand.fr"]},
            "password": {"type": "string", "maxLength": 1024, "format": "password"},
        },
    },
    "AccountRef": {
        "type": "object",
        "required": ["creditor", "customer_account"],
        "properties": {
            "creditor": {"type": "string", "description": "creditor id", "examples": ["pressimmo"]},
            "customer_account": {"type": "string", "description": "customer account number", "examples": ["C00123"]},
        },
    },
    "Me": {
        "type": "object",
        "required": ["user_id", "login", "role", "accounts", "expires_at"],
        "properties": {
            "user_id": {"type": "string"},
            "login": {"type": "string"},
            "display_name": {"type": "string"},
            "agency_id": {"type": ["string", "null"]},
            "agency_name": {"type": ["string", "null"]},
            "role": {"type": "string", "enum": ["administrateur", "comptable", "lecteur", "staff", "system"]},
            "accounts": {"type": "array", "items": {"$ref": "#/components/schemas/AccountRef"}},
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
    "SessionCreated": {
        "type": "object",
        "required": ["session"],
        "properties": {"session": {"$ref": "#/components/schemas/Me"}},
    },
    "CreditorList": {
        "type": "object",
        "required": ["creditors"],
        "properties": {
            "creditors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "customer_account"],
                    "properties": {
                        "id": {"type": "string", "examples": ["pressimmo"]},
                        "name": {"type": "string", "examples": ["Press Immo SAS"]},
                        "customer_account": {"type": "string", "examples": ["C00123"]},
                    },
                },
            }
        },
    },
    "StatementRow": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": ["invoice", "credit_note", "payment", "refund", "opening_balance", "adjustment"],
            },
            "designation": {"type": "string", "examples": ["Facture n° FA2025-000123"]},
            "document_number": {"type": ["string", "null"]},
            "document_date": {"type": "string", "format": "date"},
            "due_date": {"type": ["string", "null"], "format": "date"},
            "debit": DECIMAL_STRING,
            "credit": DECIMAL_STRING,
            "lettering": {"type": ["string", "null"]},
            "amount_due": {
                **DECIMAL_STRING,
                "description": "amount still due; for a credit, the unallocated amount as a negative number",
            },
            "state": {
                "type": "string",
                "enum": [
                    "paid", "unpaid", "partially_paid", "overdue",
                    "allocated", "unallocated", "partially_allocated",
                ],
            },
            "state_label": {"type": "string", "examples": ["Non réglée"]},
            "selectable": {"type": "boolean", "description": "true for an invoice with an amount due above zero"},
            "has_pdf": {"type": "boolean"},
        },
    },
    "Statement": {
        "type": "object",
        "required": ["creditor", "customer_account", "view", "page", "page_size", "total_rows", "rows", "totals"],
        "properties": {
            "creditor": {"type": "string"},
            "customer_account": {"type": "string"},
            "view": {"type": "string", "enum": ["unpaid", "all"]},
            "page": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1},
            "total_rows": {"type": "integer", "minimum": 0},
            "rows": {"type": "array", "items": {"$ref": "#/components/schemas/StatementRow"}},
            "totals": {
                "type": "object",
                "properties": {"debit": DECIMAL_STRING, "credit": DECIMAL_STRING, "amount_due": DECIMAL_STRING},
            },
        },
    },
}


def _query_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


STATEMENT_PARAMETERS = [
    {"name": "creditor", "in": "path", "required": True, "schema": {"type": "string"}},
    _query_parameter(
        "view",
        "unpaid (default): debit documents with an amount due, any date; all: every entry of the last year "
        "or of date_from..date_to",
        {"type": "string", "enum": ["unpaid", "all"], "default": "unpaid"},
    ),
    _query_parameter("date_from", "first document date included", {"type": "string", "format": "date"}),
    _query_parameter("date_to", "last document date included", {"type": "string", "format": "date"}),
    _query_parameter("number", "document number, ignoring spaces and case", {"type": "string"}),
    _query_parameter("page", "page number", {"type": "integer", "minimum": 1, "default": 1}),
    _query_parameter("page_size", "rows per page", {"type": "integer", "minimum": 1, "default": 50}),
]

PATHS: dict[str, Any] = {
    f"{API_BASE}/session": {
        "post": {
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
                "401": _error_response("Wrong login or password (code `invalid_credentials`)."),
                "415": _error_response("Content-Type is not application/json."),
                "422": _error_response("login or password is missing (code `invalid_value`)."),
                "429": _error_response("Too many failed logins (code `throttled`, details.retry_after in seconds)."),
                "503": UNAVAILABLE,
            },
        },
        "delete": {
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
            "summary": "Return the logged-in user and the agency's accounts",
            "responses": {"200": _json_response("The current session.", "Me"), "401": UNAUTHENTICATED, "503": UNAVAILABLE},
        }
    },
    f"{API_BASE}/creditors": {
        "get": {
            "summary": "List the creditors the agency holds an account at",
            "responses": {
                "200": _json_response("The agency's creditors.", "CreditorList"),
                "401": UNAUTHENTICATED,
                "503": UNAVAILABLE,
            },
        }
    },
    f"{API_BASE}/creditors/{{creditor}}/statement": {
        "get": {
            "summary": "Return the statement of the agency's account at one creditor",
            "description": "The ledger's JSON, passed through unchanged.",
            "parameters": STATEMENT_PARAMETERS,
            "responses": {
                "200": _json_response("One page of the statement.", "Statement"),
                "401": UNAUTHENTICATED,
                "404": _error_response("The agency holds no account at this creditor (code `not_found`)."),
                "422": _error_response("A filter value is invalid; the message says which."),
                "503": UNAVAILABLE,
            },
        }
    },
    f"{API_BASE}/openapi.json": {
        "get": {
            "summary": "Return this OpenAPI document",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI 3.1 document.", "content": {"application/json": {}}}},
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
            "Error messages are in French. " + JSON_BODY_NOTE,
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "security": [{"sessionCookie": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
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
