-- Ledger operations: generated lettering, recorded payments, pending
-- allocations, creditors' legal identity and stored documents.

-- Lettering groups are scoped: the import that last set a line's code, or
-- 'ledger' for codes the ledger generates, so equal codes of different
-- files or of the ledger never merge.
ALTER TABLE entries ADD COLUMN lettering_scope text;
UPDATE entries SET lettering_scope = 'import:' || import_id WHERE lettering IS NOT NULL;
DROP INDEX entries_by_lettering;
CREATE INDEX entries_by_lettering ON entries (creditor_id, customer_account, lettering_scope, lettering)
    WHERE lettering IS NOT NULL;

-- Generated codes are L + a counter that never decreases, per customer account.
CREATE TABLE lettering_counters (
    creditor_id      text NOT NULL,
    customer_account text NOT NULL,
    last_value       bigint NOT NULL,
    PRIMARY KEY (creditor_id, customer_account)
);

-- A payment whose invoice the ledger does not know yet; applied when it arrives.
CREATE TABLE pending_allocations (
    id               bigserial PRIMARY KEY,
    creditor_id      text NOT NULL,
    customer_account text NOT NULL,
    credit_entry_id  bigint NOT NULL REFERENCES entries (id),
    search_key       text NOT NULL,
    document_number  text NOT NULL,
    amount           numeric(15, 2) NOT NULL CHECK (amount > 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    applied_at       timestamptz
);
CREATE INDEX pending_allocations_open ON pending_allocations (creditor_id, customer_account, search_key)
    WHERE applied_at IS NULL;

ALTER TABLE allocations ADD COLUMN lettering_scope text;
UPDATE allocations a SET lettering_scope = e.lettering_scope
  FROM entries e WHERE e.id = a.debit_entry_id AND a.origin = 'import';

-- What an invoice or credit note of the feed contains, line by line.
CREATE TABLE document_lines (
    entry_id    bigint NOT NULL REFERENCES entries (id),
    position    integer NOT NULL,
    description text NOT NULL,
    quantity    numeric(15, 4) NOT NULL,
    unit_price  numeric(15, 4) NOT NULL,
    vat_rate    numeric(5, 2) NOT NULL,
    net_amount  numeric(15, 2) NOT NULL,
    PRIMARY KEY (entry_id, position)
);

ALTER TABLE entries ADD COLUMN preceding_document text;

-- Rendered once and kept: an issued document never changes.
CREATE TABLE document_files (
    entry_id    bigint PRIMARY KEY REFERENCES entries (id),
    content     bytea NOT NULL,
    sha256      text NOT NULL,
    rendered_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE creditors
    ADD COLUMN legal_name    text,
    ADD COLUMN legal_form    text,
    ADD COLUMN share_capital numeric(15, 2),
    ADD COLUMN rcs_city      text,
    ADD COLUMN siren         text,
    ADD COLUMN siret         text,
    ADD COLUMN vat_number    text,
    ADD COLUMN address_lines text[] NOT NULL DEFAULT '{}',
    ADD COLUMN postal_code   text,
    ADD COLUMN city          text,
    ADD COLUMN country       text NOT NULL DEFAULT 'FR',
    ADD COLUMN email         text,
    ADD COLUMN iban          text,
    ADD COLUMN bic           text,
    ADD COLUMN penalty_rate  text NOT NULL DEFAULT 'trois fois le taux d''intérêt légal';
