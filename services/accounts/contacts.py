"""Nous contacter: a creditor's legal identity, its two service contact sheets and account managers.

Staff of the creditor (or the system) edit them; agency users read them for
their own account. Every change is audited and publishes
``accounts.creditor_contacts.updated``. A change of the identity also
publishes ``accounts.creditor_identity.updated`` with all of it, from which
the ledger prints the creditor's invoices. The creditor's IBAN for transfers
is stored encrypted and shown masked.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import asyncpg

from services.accounts import events
from services.accounts.audit import record_audit
from services.accounts.crypto import DataCipher, cipher_or_unavailable
from services.accounts.validation import (
    LegalIdentity,
    check_bic_matches_iban,
    mask_iban,
    normalize_phone,
    validate_bic,
    validate_billing_details,
    validate_email,
    validate_iban,
    validate_legal_identity,
    validate_vat_number,
)
from services.accounts.validation.creditor import (
    DEFAULT_PENALTY_RATE,
    check_bic_printable,
    check_iban_printable,
    validate_share_capital,
)
from services.accounts.validation.errors import ErrorCollector, field_error
from services.accounts.validation.text import clean_text
from shared.errors import NotFound
from shared.events.accounts import CreditorContactsUpdated, CreditorIdentityUpdated
from shared.principal import Principal

Service = Literal["facturation", "recouvrement"]
SERVICES: tuple[Service, ...] = ("facturation", "recouvrement")
SERVICE_LABELS = {"facturation": "service facturation", "recouvrement": "service recouvrement"}
ADDRESS_FIELDS = ("address_line1", "address_line2", "address_line3", "postal_code", "city", "country")


def _text(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    return value if isinstance(value, str) else None


def _validated_address(body: dict[str, Any], collector: ErrorCollector, *, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Validate the address fields (and ``extra`` billing fields such as phone, fax, email)."""
    fields = ADDRESS_FIELDS + extra
    details = collector.run(validate_billing_details, {field: _text(body, field) for field in fields})
    if details is None:
        return {}
    return {field: getattr(details, field) for field in fields}


def validate_identity(body: dict[str, Any]) -> dict[str, Any]:
    """Return the normalized legal identity of a creditor, or raise ValidationError with every field error.

    The identity is printed on every invoice and credit note, so the VAT
    number, IBAN and BIC are required, and every value passes the ledger's
    checks of a document's seller as well.
    """
    collector = ErrorCollector()
    legal_name = collector.run(
        clean_text, _text(body, "legal_name"), field="legal_name", label="Raison sociale", max_length=120, required=True
    )
    legal_form = collector.run(
        clean_text, _text(body, "legal_form"), field="legal_form", label="Forme juridique", max_length=100, required=False
    )
    share_capital = collector.run(validate_share_capital, body.get("share_capital"))
    rcs_city = collector.run(
        clean_text, _text(body, "rcs_city"), field="rcs_city", label="Ville du RCS", max_length=100, required=False
    )
    identity = _validated_legal_identity(body, collector)
    address = _validated_address(body, collector)
    email = collector.run(validate_email, _text(body, "email")) if (_text(body, "email") or "").strip() else None
    iban = collector.run(validate_iban, _text(body, "iban"))
    if iban is not None:
        collector.run(check_iban_printable, iban.iban, raw=_text(body, "iban") or "")
    bic = collector.run(validate_bic, _text(body, "bic"))
    if bic is not None:
        collector.run(check_bic_printable, bic, raw=_text(body, "bic") or "")
    if iban is not None and bic is not None and not collector.has_errors("bic"):
        collector.run(check_bic_matches_iban, bic, iban, raw=_text(body, "bic") or "")
    penalty_rate = collector.run(
        clean_text,
        _text(body, "penalty_rate"),
        field="penalty_rate",
        label="Taux des pénalités de retard",
        max_length=200,
        required=False,
    )
    payment_terms = collector.run(
        clean_text,
        _text(body, "payment_terms"),
        field="payment_terms",
        label="Conditions de paiement",
        max_length=200,
        required=False,
    )
    collector.raise_if_any()
    assert identity is not None and iban is not None  # raise_if_any has raised otherwise.
    return {
        "legal_name": legal_name,
        "legal_form": legal_form,
        "share_capital": share_capital,
        "rcs_city": rcs_city,
        "siren": identity.siren,
        "siret": identity.siret,
        "vat_number": identity.vat_number,
        **address,
        "email": email,
        "iban": iban.iban,
        "bic": bic,
        "penalty_rate": penalty_rate or DEFAULT_PENALTY_RATE,
        "payment_terms": payment_terms or "",
    }


def _validated_legal_identity(body: dict[str, Any], collector: ErrorCollector) -> LegalIdentity | None:
    """Validate SIREN, optional SIRET and required VAT number; return them, or None after storing the errors."""
    vat_number = _text(body, "vat_number")
    if not (vat_number or "").strip():
        collector.run(validate_vat_number, vat_number)
    identity = collector.run(validate_legal_identity, _text(body, "siren"), _text(body, "siret"), vat_number)
    if identity is None or identity.vat_number is None:
        return None
    # validate_legal_identity accepts a Monaco company's VAT number, which has
    # no SIREN in it. A creditor prints both numbers, and the ledger requires
    # the VAT number to contain the SIREN.
    if identity.vat_number[4:] != identity.siren:
        collector.add(
            field_error(
                "vat_number",
                vat_number or "",
                "vat.siren_mismatch",
                f"Le numéro de TVA {identity.vat_number} ne contient pas le SIREN {identity.siren} : "
                "sur les factures, ses 9 derniers chiffres doivent être ceux du SIREN. Corrigez l’un ou l’autre.",
            )
        )
        return None
    return identity


def validate_contact_sheet(body: dict[str, Any]) -> dict[str, Any]:
    """Return a normalized service contact sheet; the e-mail is required because messages go there."""
    collector = ErrorCollector()
    label = collector.run(clean_text, _text(body, "label"), field="label", label="Nom du service", max_length=80, required=True)
    details = _validated_address(body, collector, extra=("phone", "fax", "email"))
    if not (_text(body, "email") or "").strip():
        collector.run(validate_email, None)
    collector.raise_if_any()
    return {"label": label, **details}


def validate_account_manager(body: dict[str, Any]) -> dict[str, Any]:
    collector = ErrorCollector()
    name = collector.run(clean_text, _text(body, "name"), field="name", label="Nom", max_length=100, required=True)
    phone = collector.run(normalize_phone, _text(body, "phone")) if (_text(body, "phone") or "").strip() else None
    email = collector.run(validate_email, _text(body, "email")) if (_text(body, "email") or "").strip() else None
    collector.raise_if_any()
    return {"name": name, "phone": phone, "email": email}


def identity_context(creditor_id: str) -> str:
    """Return the associated data that binds a creditor's IBAN to its identity row."""
    return f"creditor-iban:{creditor_id}"


async def read_identity(connection: asyncpg.Connection, creditor_id: str) -> dict[str, Any] | None:
    row = await connection.fetchrow("SELECT * FROM creditor_identities WHERE creditor_id = $1", creditor_id)
    if row is None:
        return None
    # NOTE: agencies see the creditor's IBAN masked like any other IBAN; invoices carry it in full.
    return {
        "legal_name": row["legal_name"],
        "legal_form": row["legal_form"],
        "share_capital": str(row["share_capital"]) if row["share_capital"] is not None else None,
        "rcs_city": row["rcs_city"],
        "siren": row["siren"],
        "siret": row["siret"],
        "vat_number": row["vat_number"],
        **{field: row[field] for field in ADDRESS_FIELDS},
        "email": row["email"],
        "iban_masked": row["iban_masked"],
        "bic": row["bic"],
        # An identity saved before this field existed prints the ledger's default rate.
        "penalty_rate": row["penalty_rate"] or DEFAULT_PENALTY_RATE,
        "payment_terms": row["payment_terms"],
        "updated_at": row["updated_at"].isoformat(),
    }


async def read_sheet(connection: asyncpg.Connection, creditor_id: str, service: Service) -> dict[str, Any] | None:
    row = await connection.fetchrow(
        "SELECT * FROM creditor_contact_sheets WHERE creditor_id = $1 AND service = $2", creditor_id, service
    )
    if row is None:
        return None
    return {
        field: row[field]
        for field in ("label", *ADDRESS_FIELDS, "phone", "fax", "email")
    } | {"updated_at": row["updated_at"].isoformat()}


async def read_manager(connection: asyncpg.Connection, creditor_id: str, customer_account: str) -> dict[str, Any] | None:
    row = await connection.fetchrow(
        "SELECT name, phone, email, updated_at FROM account_managers WHERE creditor_id = $1 AND customer_account = $2",
        creditor_id,
        customer_account,
    )
    if row is None:
        return None
    return {"name": row["name"], "phone": row["phone"], "email": row["email"], "updated_at": row["updated_at"].isoformat()}


async def contact_page(connection: asyncpg.Connection, creditor_id: str, customer_account: str) -> dict[str, Any]:
    """Return everything Nous contacter shows for one account of a creditor."""
    name = await connection.fetchval("SELECT name FROM creditors WHERE id = $1", creditor_id)
    if name is None:
        raise NotFound("Ce créancier n’existe pas.", creditor=creditor_id)
    return {
        "creditor": {"id": creditor_id, "name": name},
        "identity": await read_identity(connection, creditor_id),
        "facturation": await read_sheet(connection, creditor_id, "facturation"),
        "recouvrement": await read_sheet(connection, creditor_id, "recouvrement"),
        "account_manager": await read_manager(connection, creditor_id, customer_account),
    }


async def _require_creditor(connection: asyncpg.Connection, creditor_id: str) -> None:
    if await connection.fetchval("SELECT 1 FROM creditors WHERE id = $1", creditor_id) is None:
        raise NotFound("Ce créancier n’existe pas.", creditor=creditor_id)


async def _audit_and_publish(
    connection: asyncpg.Connection,
    principal: Principal,
    creditor_id: str,
    section: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    customer_account: str | None = None,
) -> None:
    # updated_at is bookkeeping, not a value anyone changed.
    before = {key: value for key, value in before.items() if key != "updated_at"} if before else None
    after = {key: value for key, value in after.items() if key != "updated_at"} if after else None
    await record_audit(
        connection,
        principal,
        subject=f"creditor_{section}",
        action="updated" if before else "created",
        creditor_id=creditor_id,
        customer_account=customer_account,
        before=json.loads(json.dumps(before, default=str)) if before else None,
        after=json.loads(json.dumps(after, default=str)) if after else None,
    )
    await events.publish(
        connection,
        CreditorContactsUpdated(section=section, updated_by=principal.user_id),
        creditor_id=creditor_id,
        customer_account=customer_account,
    )


def identity_event(name: str, values: dict[str, Any], principal: Principal) -> CreditorIdentityUpdated:
    """Build the event that carries a creditor's whole identity (validated by validate_identity) to the ledger."""
    address_lines = [values[field] for field in ("address_line1", "address_line2", "address_line3") if values[field]]
    return CreditorIdentityUpdated(
        name=name,
        legal_name=values["legal_name"],
        legal_form=values["legal_form"],
        share_capital=values["share_capital"],
        rcs_city=values["rcs_city"],
        siren=values["siren"],
        siret=values["siret"],
        vat_number=values["vat_number"],
        address_lines=address_lines,
        postal_code=values["postal_code"],
        city=values["city"],
        country=values["country"],
        email=values["email"],
        iban=values["iban"],
        bic=values["bic"],
        penalty_rate=values["penalty_rate"],
        payment_terms=values["payment_terms"],
        updated_by=principal.user_id,
    )


async def save_identity(
    pool: asyncpg.Pool, cipher: DataCipher | None, principal: Principal, creditor_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Store a creditor's legal identity (validated by validate_identity); return it as agencies see it.

    The same transaction writes ``accounts.creditor_identity.updated``, with
    the identity in full, to the outbox, so the ledger prints the new values.
    """
    iban = values["iban"]
    iban_encrypted = cipher_or_unavailable(cipher).encrypt(iban.encode(), identity_context(creditor_id))
    async with pool.acquire() as connection, connection.transaction():
        # The creditor's row lock makes concurrent saves of its identity wait
        # for each other, so they commit in the order of their saved_at.
        name = await connection.fetchval("SELECT name FROM creditors WHERE id = $1 FOR NO KEY UPDATE", creditor_id)
        if name is None:
            raise NotFound("Ce créancier n’existe pas.", creditor=creditor_id)
        before = await read_identity(connection, creditor_id)
        # The ledger keeps the identity of the latest event, so each save gets
        # a time after the previous one, even when a replica's clock is behind.
        saved_at = await connection.fetchval(
            """SELECT greatest(clock_timestamp(),
                               (SELECT updated_at + interval '1 microsecond'
                                  FROM creditor_identities WHERE creditor_id = $1))""",
            creditor_id,
        )
        await connection.execute(
            """INSERT INTO creditor_identities
                   (creditor_id, legal_name, legal_form, share_capital, rcs_city, siren, siret, vat_number,
                    address_line1, address_line2, address_line3, postal_code, city, country, email,
                    iban_encrypted, iban_masked, bic, penalty_rate, payment_terms, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                       $21)
               ON CONFLICT (creditor_id) DO UPDATE SET
                   legal_name = EXCLUDED.legal_name, legal_form = EXCLUDED.legal_form,
                   share_capital = EXCLUDED.share_capital, rcs_city = EXCLUDED.rcs_city,
                   siren = EXCLUDED.siren, siret = EXCLUDED.siret, vat_number = EXCLUDED.vat_number,
                   address_line1 = EXCLUDED.address_line1, address_line2 = EXCLUDED.address_line2,
                   address_line3 = EXCLUDED.address_line3, postal_code = EXCLUDED.postal_code,
                   city = EXCLUDED.city, country = EXCLUDED.country, email = EXCLUDED.email,
                   iban_encrypted = EXCLUDED.iban_encrypted, iban_masked = EXCLUDED.iban_masked,
                   bic = EXCLUDED.bic, penalty_rate = EXCLUDED.penalty_rate,
                   payment_terms = EXCLUDED.payment_terms, updated_at = EXCLUDED.updated_at""",
            creditor_id,
            values["legal_name"],
            values["legal_form"],
            values["share_capital"],
            values["rcs_city"],
            values["siren"],
            values["siret"],
            values["vat_number"],
            *[values[field] for field in ADDRESS_FIELDS],
            values["email"],
            iban_encrypted,
            mask_iban(iban),
            values["bic"],
            values["penalty_rate"],
            values["payment_terms"],
            saved_at,
        )
        after = await read_identity(connection, creditor_id)
        await _audit_and_publish(connection, principal, creditor_id, "identity", before, after)
        await events.publish(
            connection, identity_event(name, values, principal), creditor_id=creditor_id, occurred_at=saved_at
        )
    return after


async def save_sheet(
    pool: asyncpg.Pool, principal: Principal, creditor_id: str, service: Service, values: dict[str, Any]
) -> dict[str, Any]:
    """Store one service contact sheet (validated by validate_contact_sheet); return it."""
    async with pool.acquire() as connection, connection.transaction():
        await _require_creditor(connection, creditor_id)
        before = await read_sheet(connection, creditor_id, service)
        await connection.execute(
            """INSERT INTO creditor_contact_sheets
                   (creditor_id, service, label, address_line1, address_line2, address_line3,
                    postal_code, city, country, phone, fax, email)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
               ON CONFLICT (creditor_id, service) DO UPDATE SET
                   label = EXCLUDED.label, address_line1 = EXCLUDED.address_line1,
                   address_line2 = EXCLUDED.address_line2, address_line3 = EXCLUDED.address_line3,
                   postal_code = EXCLUDED.postal_code, city = EXCLUDED.city, country = EXCLUDED.country,
                   phone = EXCLUDED.phone, fax = EXCLUDED.fax, email = EXCLUDED.email, updated_at = now()""",
            creditor_id,
            service,
            values["label"],
            *[values[field] for field in ADDRESS_FIELDS],
            values["phone"],
            values["fax"],
            values["email"],
        )
        after = await read_sheet(connection, creditor_id, service)
        await _audit_and_publish(connection, principal, creditor_id, service, before, after)
    return after


async def save_manager(
    pool: asyncpg.Pool, principal: Principal, creditor_id: str, customer_account: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Store the account manager of one customer account (validated by validate_account_manager); return it."""
    async with pool.acquire() as connection, connection.transaction():
        await _require_creditor(connection, creditor_id)
        before = await read_manager(connection, creditor_id, customer_account)
        await connection.execute(
            """INSERT INTO account_managers (creditor_id, customer_account, name, phone, email)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (creditor_id, customer_account) DO UPDATE SET
                   name = EXCLUDED.name, phone = EXCLUDED.phone, email = EXCLUDED.email, updated_at = now()""",
            creditor_id,
            customer_account,
            values["name"],
            values["phone"],
            values["email"],
        )
        after = await read_manager(connection, creditor_id, customer_account)
        await _audit_and_publish(
            connection, principal, creditor_id, "account_manager", before, after, customer_account=customer_account
        )
    return after

