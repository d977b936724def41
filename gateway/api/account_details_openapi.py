"""OpenAPI paths and schemas of the account-details API routes (``gateway/api/account_details.py``).

The bodies are the accounts service's JSON, passed through unchanged, so
these schemas follow that service's responses. ``openapi.py`` merges them
into the document.
"""

from __future__ import annotations

from typing import Any

from gateway.api.session import API_BASE

NULLABLE_TEXT = {"type": ["string", "null"]}
INSTANT = {"type": "string", "format": "date-time", "description": "last change (UTC)"}
MASKED_IBAN = {
    "type": "string",
    "description": "IBAN with every character but the last 4 hidden",
    "examples": ["•••• •••• •••• •••• •••• •••• 0189"],
}
ADDRESS_PROPERTIES: dict[str, Any] = {
    "address_line1": NULLABLE_TEXT,
    "address_line2": NULLABLE_TEXT,
    "address_line3": NULLABLE_TEXT,
    "postal_code": NULLABLE_TEXT,
    "city": NULLABLE_TEXT,
    "country": {"type": ["string", "null"], "description": "ISO 3166-1 alpha-2 code", "examples": ["FR"]},
}
PHONE = {"type": ["string", "null"], "description": "E.164 number", "examples": ["+33142685300"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable_ref(name: str) -> dict[str, Any]:
    return {"oneOf": [_ref(name), {"type": "null"}]}


def _json(description: str, schema_name: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


def _error(description: str) -> dict[str, Any]:
    return _json(description, "Error")


CREDITOR_PARAMETER = {"name": "creditor", "in": "path", "required": True, "schema": {"type": "string"}}
BODY_TOO_LARGE = _error(
    "The body is larger than the gateway's limit of 1 MiB (code `payload_too_large`, details.max_size in bytes)."
)
RETRY_AFTER_HEADER = {
    "description": "seconds to wait before the next attempt, rounded up",
    "schema": {"type": "integer", "minimum": 1},
}
COMMON_ERRORS = {
    "401": _error("No valid session cookie (code `unauthenticated`)."),
    "404": _error("The agency holds no account at this creditor (code `not_found`)."),
    "503": _error("A service behind the gateway is unavailable (code `service_unavailable`)."),
}

ACCOUNT_DETAILS_SCHEMAS: dict[str, Any] = {
    "ContactSheet": {
        "type": "object",
        "description": "the billing or collections service of a creditor",
        "properties": {
            "label": {"type": "string", "examples": ["Service facturation"]},
            **ADDRESS_PROPERTIES,
            "phone": PHONE,
            "fax": PHONE,
            "email": NULLABLE_TEXT,
            "updated_at": INSTANT,
        },
    },
    "AccountManager": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "phone": PHONE, "email": NULLABLE_TEXT, "updated_at": INSTANT},
    },
    "CreditorIdentity": {
        "type": "object",
        "properties": {
            "legal_name": {"type": "string"},
            "legal_form": NULLABLE_TEXT,
            "share_capital": {**NULLABLE_TEXT, "description": "euros with two decimals", "examples": ["100000.00"]},
            "rcs_city": NULLABLE_TEXT,
            "siren": NULLABLE_TEXT,
            "siret": NULLABLE_TEXT,
            "vat_number": NULLABLE_TEXT,
            **ADDRESS_PROPERTIES,
            "email": NULLABLE_TEXT,
            "iban_masked": {**MASKED_IBAN, "type": ["string", "null"]},
            "bic": NULLABLE_TEXT,
            "penalty_rate": {"type": "string"},
            "payment_terms": {"type": "string"},
            "updated_at": INSTANT,
        },
    },
    "Contacts": {
        "type": "object",
        "required": ["creditor", "identity", "facturation", "recouvrement", "account_manager"],
        "properties": {
            "creditor": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            },
            "identity": _nullable_ref("CreditorIdentity"),
            "facturation": _nullable_ref("ContactSheet"),
            "recouvrement": _nullable_ref("ContactSheet"),
            "account_manager": _nullable_ref("AccountManager"),
        },
    },
    "ContactMessage": {
        "type": "object",
        "required": ["subject", "message"],
        "properties": {
            "service": {"type": "string", "enum": ["facturation", "recouvrement"], "default": "facturation"},
            "subject": {"type": "string", "maxLength": 150},
            "message": {"type": "string", "maxLength": 5000},
            "invoice_numbers": {"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 40}},
        },
    },
    "ContactMessageSent": {
        "type": "object",
        "required": ["message_id", "created_at"],
        "properties": {"message_id": {"type": "string", "format": "uuid"}, "created_at": INSTANT},
    },
    "MainContact": {
        "type": "object",
        "properties": {
            "last_name": {"type": "string"},
            "first_name": {"type": "string"},
            "job_title": NULLABLE_TEXT,
            "updated_at": INSTANT,
        },
    },
    "BillingDetails": {
        "type": "object",
        "properties": {
            **ADDRESS_PROPERTIES,
            "phone": PHONE,
            "mobile": PHONE,
            "fax": PHONE,
            "email": NULLABLE_TEXT,
            "updated_at": INSTANT,
        },
    },
    "MaskedBankDetails": {
        "type": "object",
        "description": "bank details as every screen but the owner's edit form shows them",
        "properties": {
            "iban_masked": MASKED_IBAN,
            "bic": NULLABLE_TEXT,
            "bank_code": NULLABLE_TEXT,
            "branch_code": NULLABLE_TEXT,
            "updated_at": INSTANT,
        },
    },
    "BankDetails": {
        "type": "object",
        "description": "full bank details, for the edit form of an administrateur of the agency",
        "properties": {
            "iban": {"type": "string", "examples": ["FR7630006000011234567890189"]},
            "iban_masked": MASKED_IBAN,
            "bic": NULLABLE_TEXT,
            "country_code": {"type": "string", "examples": ["FR"]},
            "bank_code": NULLABLE_TEXT,
            "branch_code": NULLABLE_TEXT,
            "account_number": NULLABLE_TEXT,
            "rib_key": NULLABLE_TEXT,
            "updated_at": INSTANT,
        },
    },
    "BankChangeRequest": {
        "type": "object",
        "properties": {
            "request_id": {"type": "string", "format": "uuid"},
            "creditor": {"type": "string"},
            "customer_account": {"type": "string"},
            "status": {"type": "string", "enum": ["pending", "approved", "rejected", "withdrawn"]},
            "iban_masked": MASKED_IBAN,
            "bic": NULLABLE_TEXT,
            "requested_by": {"type": "string"},
            "requested_at": {"type": "string", "format": "date-time"},
            "decided_by": NULLABLE_TEXT,
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
            "decision_reason": NULLABLE_TEXT,
        },
    },
    "BankChangeRequests": {
        "type": "object",
        "required": ["requests"],
        "properties": {"requests": {"type": "array", "items": _ref("BankChangeRequest")}},
    },
    "NewBankDetails": {
        "type": "object",
        "description": "the new bank details, with the administrateur's password and a current TOTP code",
        "required": ["iban", "password", "totp_code"],
        "properties": {
            "iban": {"type": "string", "description": "spaces allowed", "examples": ["FR76 3000 6000 0112 3456 7890 189"]},
            "bic": {"type": "string"},
            "bank_code": {"type": "string"},
            "branch_code": {"type": "string"},
            "account_number": {"type": "string"},
            "rib_key": {"type": "string"},
            "password": {"type": "string", "format": "password"},
            "totp_code": {"type": "string", "examples": ["492039"]},
        },
    },
    "Profile": {
        "type": "object",
        "required": ["creditor", "customer_account", "main_contact", "billing_details", "bank_details"],
        "properties": {
            "creditor": {"type": "string"},
            "customer_account": {"type": "string"},
            "main_contact": _nullable_ref("MainContact"),
            "billing_details": _nullable_ref("BillingDetails"),
            "bank_details": _nullable_ref("MaskedBankDetails"),
            "pending_bank_change": _nullable_ref("BankChangeRequest"),
        },
    },
    "BankDetailsForEdit": {
        "type": "object",
        "required": ["bank_details"],
        "properties": {"bank_details": _nullable_ref("BankDetails")},
    },
}

ACCOUNT_DETAILS_PATHS: dict[str, Any] = {
    f"{API_BASE}/creditors/{{creditor}}/contacts": {
        "get": {
            "operationId": "getContacts",
            "summary": "Return the creditor's billing and collections services and the account manager",
            "parameters": [CREDITOR_PARAMETER],
            "responses": {"200": _json("The contacts of « Nous contacter ».", "Contacts"), **COMMON_ERRORS},
        }
    },
    f"{API_BASE}/creditors/{{creditor}}/messages": {
        "post": {
            "operationId": "sendMessage",
            "summary": "Send a message to the creditor's billing or collections service",
            "description": "Administrateurs and comptables only. The service receives it by e-mail "
            "with the agency's identity, and the author gets a copy. State-changing requests must "
            "send `Content-Type: application/json`.",
            "parameters": [CREDITOR_PARAMETER],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ContactMessage")}}},
            "responses": {
                "201": _json("The message is stored and queued for sending.", "ContactMessageSent"),
                "400": _error("The body is not a JSON object (code `invalid_json`)."),
                "403": _error("The role may not write to the creditor (code `forbidden`)."),
                "409": _error("The chosen service has no e-mail address (code `contact_unavailable`)."),
                "413": BODY_TOO_LARGE,
                "415": _error("Content-Type is not application/json."),
                "422": _error(
                    "Invalid fields (code `invalid_fields`, details.fields lists each field's message). Invoice"
                    " numbers that the account's statement does not have are reported with the other fields'"
                    " errors: details.fields then also has an item of field `invoice_numbers` and code"
                    " `invoice_numbers.unknown`, and details.unknown lists the numbers. When they are the only"
                    " error, the code is `invalid_value`, with details.field `invoice_numbers` and details.unknown."
                    " Known numbers are sent as the ledger writes them, whatever their spaces, punctuation and case."
                    " A field with a character that cannot be stored, such as NUL, or a `service` outside the enum"
                    " gives code `invalid_request`, with details.field naming the field."
                ),
                "429": {
                    **_error("20 messages from this user within the last hour (code `too_many_messages`)."),
                    "headers": {"Retry-After": RETRY_AFTER_HEADER},
                },
                **COMMON_ERRORS,
            },
        }
    },
    f"{API_BASE}/creditors/{{creditor}}/profile": {
        "get": {
            "operationId": "getProfile",
            "summary": "Return the main contact, billing details and masked bank details of the account",
            "parameters": [CREDITOR_PARAMETER],
            "responses": {"200": _json("The account's « Informations compte ».", "Profile"), **COMMON_ERRORS},
        }
    },
    f"{API_BASE}/creditors/{{creditor}}/bank-details": {
        "get": {
            "operationId": "getBankDetails",
            "summary": "Return the full bank details for the edit form",
            "description": "Administrateurs of the agency only; every other screen shows the IBAN masked.",
            "parameters": [CREDITOR_PARAMETER],
            "responses": {
                "200": _json("The bank details, or null when none are recorded.", "BankDetailsForEdit"),
                "403": _error("The role may not see the full IBAN (code `forbidden`)."),
                **COMMON_ERRORS,
            },
        }
    },
    f"{API_BASE}/creditors/{{creditor}}/bank-change-requests": {
        "get": {
            "operationId": "listBankChangeRequests",
            "summary": "Return the account's bank change requests, newest first",
            "parameters": [CREDITOR_PARAMETER],
            "responses": {"200": _json("The requests, with the IBAN masked.", "BankChangeRequests"), **COMMON_ERRORS},
        },
        "post": {
            "operationId": "createBankChangeRequest",
            "summary": "Request new bank details",
            "description": "Administrateurs of the agency with TOTP enabled only. The new details apply once "
            "the creditor's staff approve the request; the administrateurs and the billing e-mail get a notice. "
            "State-changing requests must send `Content-Type: application/json`.",
            "parameters": [CREDITOR_PARAMETER],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewBankDetails")}}},
            "responses": {
                "201": _json("The request, pending.", "BankChangeRequest"),
                "400": _error("The body is not a JSON object (code `invalid_json`)."),
                "403": _error(
                    "The role may not change the bank details (code `forbidden`), or the user has not enabled"
                    " TOTP (code `totp_enrolment_required`)."
                ),
                "409": _error("Another request of the account is pending (code `bank_change_pending`)."),
                "413": BODY_TOO_LARGE,
                "415": _error("Content-Type is not application/json."),
                "422": _error(
                    "Invalid bank fields (code `invalid_fields`, details.fields lists each field's message), a"
                    " missing password or TOTP code, a field that is not a string, too long or contains a"
                    " character that cannot be stored, such as NUL (code `invalid_request`, details.field names"
                    " it), or a"
                    " wrong password or TOTP code (code `reauthentication_failed`, details.field names it)."
                ),
                "429": {
                    **_error("Too many wrong passwords or codes; the message says when to try again."),
                    "headers": {"Retry-After": RETRY_AFTER_HEADER},
                },
                **COMMON_ERRORS,
            },
        },
    },
    f"{API_BASE}/creditors/{{creditor}}/bank-change-requests/{{request_id}}/withdrawal": {
        "post": {
            "operationId": "withdrawBankChangeRequest",
            "summary": "Withdraw the account's pending bank change request",
            "description": "Administrateurs of the agency only. The bank details stay as they are, and the "
            "recipients of the request get a notice. The body is ignored, but as for every state-changing "
            "request it must be sent with `Content-Type: application/json` (`{}` will do).",
            "parameters": [
                CREDITOR_PARAMETER,
                {"name": "request_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}},
            ],
            "responses": {
                "200": _json("The request, withdrawn.", "BankChangeRequest"),
                "403": _error("The role may not change the bank details (code `forbidden`)."),
                "409": _error("The request is no longer pending (code `bank_change_decided`)."),
                "415": _error("Content-Type is not application/json."),
                "422": _error(
                    "request_id contains a character that no service can store, such as NUL (code `invalid_value`,"
                    " details.field names it)."
                ),
                **COMMON_ERRORS,
                "404": _error(
                    "The agency holds no account at this creditor, or the account has no request of this id"
                    " (code `not_found`)."
                ),
            },
        }
    },
}
