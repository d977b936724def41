"""Schemas of the OpenAPI document: the JSON bodies of the API's requests and responses."""

from __future__ import annotations

from typing import Any

DECIMAL_STRING = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["1234.56"]}

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
            "totp_code": {
                "type": "string",
                "maxLength": 32,
                "description": "TOTP or recovery code, required when the user enrolled in TOTP",
            },
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
                        "customer_account": {
                            "type": ["string", "null"],
                            "description": "the agency's customer account number; null for a staff user, who has none",
                            "examples": ["C00123"],
                        },
                    },
                },
            }
        },
    },
    "StatementRow": {
        "type": "object",
        "properties": {
            "id": {
                "type": ["integer", "null"],
                "description": "ledger entry id, null for the brought-forward row. For an invoice or credit note, "
                "pass it as `entry` to the document PDF route, because several documents may share a number.",
            },
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
            "lettering_partial": {
                "type": "boolean",
                "description": "true when the row's lettering group does not balance yet; the portal then shows "
                "the code followed by « (partiel) »",
            },
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
            "has_pdf": {
                "type": "boolean",
                "description": "true for an invoice or credit note, whose PDF opens with "
                "`documents/{document_number}/pdf?entry={id}`; false for every row while the statement's "
                "`documents_available` is false",
            },
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
            "documents_available": {
                "type": "boolean",
                "description": "false while the creditor's legal identity is incomplete, so that no PDF can be issued",
            },
            "rows": {"type": "array", "items": {"$ref": "#/components/schemas/StatementRow"}},
            "brought_forward": {
                "description": "all view only: the balance of the entries before the period (« Solde au … »), "
                "or null when the view has no start date, searches a number, or nothing precedes the period",
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["date", "debit", "credit", "amount_due"],
                        "properties": {
                            "date": {"type": "string", "format": "date", "description": "the day before the period"},
                            "debit": {**DECIMAL_STRING, "description": "net balance when the customer owes it"},
                            "credit": {**DECIMAL_STRING, "description": "net balance when it is in the customer's favour"},
                            "amount_due": {
                                **DECIMAL_STRING,
                                "description": "still due today on those entries, less their unallocated credits",
                            },
                        },
                    },
                ],
            },
            "totals": {
                "type": "object",
                "description": "sums over every page, brought-forward balance included; for a period that runs "
                "to today, debit minus credit equals amount_due",
                "properties": {"debit": DECIMAL_STRING, "credit": DECIMAL_STRING, "amount_due": DECIMAL_STRING},
            },
        },
    },
    "ImportSummary": {
        "type": "object",
        "required": ["import_id", "creditor", "file_name", "lines", "entries_created", "already_imported", "warnings"],
        "properties": {
            "import_id": {"type": "integer"},
            "creditor": {"type": "string"},
            "file_name": {"type": "string"},
            "lines": {"type": "integer", "description": "data lines read"},
            "customer_lines": {"type": "integer", "description": "lines on customer (411) accounts"},
            "customer_accounts": {"type": "integer"},
            "entries_created": {"type": "integer"},
            "lettering_updated": {"type": "integer"},
            "receipts_matched": {
                "type": "integer",
                "description": "card payments the ledger already had whose bank receipt the file books (a receipt that groups several counts each)",
            },
            "already_imported": {"type": "boolean", "description": "true when the same file was imported before"},
            "encoding": {"type": "string", "examples": ["utf-8", "cp1252"]},
            "warnings": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Ageing": {
        "type": "object",
        "required": ["as_of", "buckets", "total", "unallocated_credits", "balance"],
        "properties": {
            "as_of": {"type": "string", "format": "date", "description": "Europe/Paris date the buckets count from"},
            "buckets": {
                "type": "array",
                "minItems": 5,
                "maxItems": 5,
                "items": {
                    "type": "object",
                    "required": ["key", "label", "amount"],
                    "properties": {
                        "key": {
                            "type": "string",
                            "enum": ["not_due", "days_1_30", "days_31_60", "days_61_90", "over_90"],
                        },
                        "label": {"type": "string", "examples": ["1 à 30 jours"]},
                        "amount": DECIMAL_STRING,
                    },
                },
            },
            "total": {**DECIMAL_STRING, "description": "debits still due, the sum of the buckets"},
            "unallocated_credits": {
                **DECIMAL_STRING,
                "description": "payments and credit notes not yet allocated to a debit",
            },
            "balance": {**DECIMAL_STRING, "description": "total less unallocated_credits: what the account owes"},
        },
    },
}
