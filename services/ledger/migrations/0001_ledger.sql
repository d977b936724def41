-- Customer accounts, entries, allocations and FEC imports of the ledger.

CREATE TABLE creditors (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    payment_terms text NOT NULL DEFAULT '30 jours fin de mois',
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE customer_accounts (
    creditor_id    text NOT NULL REFERENCES creditors (id),
    account_number text NOT NULL,
    label          text NOT NULL DEFAULT '',
    PRIMARY KEY (creditor_id, account_number)
);

CREATE TABLE imports (
    id                  bigserial PRIMARY KEY,
    creditor_id         text NOT NULL REFERENCES creditors (id),
    file_name           text NOT NULL,
    file_sha256         text NOT NULL,
    encoding            text NOT NULL,
    line_count          integer NOT NULL,
    customer_line_count integer NOT NULL,
    entries_created     integer NOT NULL DEFAULT 0,
    lettering_updated   integer NOT NULL DEFAULT 0,
    warnings            jsonb NOT NULL DEFAULT '[]',
    imported_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (creditor_id, file_sha256)
);

-- Every imported file as the accounting system sent it, for audit.
CREATE TABLE import_files (
    import_id bigint PRIMARY KEY REFERENCES imports (id),
    content   bytea NOT NULL
);

-- One row per customer-account line: invoices and credit notes, payments,
-- refunds, opening balances and adjustments. Exactly one of debit and
-- credit is positive. open_amount is what is still due (debit rows) or not
-- yet allocated (credit rows); it changes only with allocations.
CREATE TABLE entries (
    id               bigserial PRIMARY KEY,
    creditor_id      text NOT NULL,
    customer_account text NOT NULL,
    kind             text NOT NULL CHECK (kind IN
                         ('invoice', 'credit_note', 'payment', 'refund', 'opening_balance', 'adjustment')),
    document_number  text NOT NULL,
    search_key       text NOT NULL,
    document_date    date NOT NULL,
    due_date         date,
    label            text NOT NULL DEFAULT '',
    debit            numeric(15, 2) NOT NULL DEFAULT 0 CHECK (debit >= 0),
    credit           numeric(15, 2) NOT NULL DEFAULT 0 CHECK (credit >= 0),
    open_amount      numeric(15, 2) NOT NULL CHECK (open_amount >= 0),
    balance_version  integer NOT NULL DEFAULT 0,
    lettering        text,
    lettering_date   date,
    net_total        numeric(15, 2),
    vat_total        numeric(15, 2),
    vat_breakdown    jsonb,
    source           text NOT NULL,
    source_key       text NOT NULL,
    import_id        bigint REFERENCES imports (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (creditor_id, customer_account) REFERENCES customer_accounts (creditor_id, account_number),
    UNIQUE (creditor_id, source_key),
    CHECK ((debit > 0) <> (credit > 0)),
    CHECK (open_amount <= debit + credit)
);
CREATE INDEX entries_by_account_date
    ON entries (creditor_id, customer_account, document_date DESC, id DESC);
CREATE INDEX entries_open_debits
    ON entries (creditor_id, customer_account, document_date DESC, id DESC)
    WHERE debit > 0 AND open_amount > 0;
CREATE INDEX entries_by_number ON entries (creditor_id, customer_account, search_key);
CREATE INDEX entries_by_lettering ON entries (creditor_id, customer_account, lettering)
    WHERE lettering IS NOT NULL;

-- A credit (payment, credit note, ...) settling part of a debit.
CREATE TABLE allocations (
    id               bigserial PRIMARY KEY,
    creditor_id      text NOT NULL,
    customer_account text NOT NULL,
    debit_entry_id   bigint NOT NULL REFERENCES entries (id),
    credit_entry_id  bigint NOT NULL REFERENCES entries (id),
    amount           numeric(15, 2) NOT NULL CHECK (amount > 0),
    lettering        text,
    origin           text NOT NULL CHECK (origin IN ('import', 'ledger')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    reversed_at      timestamptz,
    reversal_reason  text
);
CREATE INDEX allocations_by_debit ON allocations (debit_entry_id) WHERE reversed_at IS NULL;
CREATE INDEX allocations_by_credit ON allocations (credit_entry_id) WHERE reversed_at IS NULL;
CREATE INDEX allocations_by_account ON allocations (creditor_id, customer_account) WHERE reversed_at IS NULL;
