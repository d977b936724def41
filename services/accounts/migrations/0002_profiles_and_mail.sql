-- Second factor, single-use links, outgoing mail, creditor contacts,
-- account profiles, bank-detail change requests and the audit trail.

-- TOTP: the secret is AES-GCM encrypted with MF_DATA_ENCRYPTION_KEY.
-- totp_last_step is the last accepted 30-second step, so a code works once.
ALTER TABLE users
    ADD COLUMN totp_secret_encrypted bytea,
    ADD COLUMN totp_enabled_at timestamptz,
    ADD COLUMN totp_last_step bigint;

-- Recovery codes are random, so a plain SHA-256 is enough to store them.
CREATE TABLE totp_recovery_codes (
    user_id    uuid NOT NULL REFERENCES users (id),
    code_hash  bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Invitation and password-reset links; only the SHA-256 of the token is stored.
CREATE TABLE single_use_links (
    id           uuid PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    purpose      text NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    user_id      uuid REFERENCES users (id),
    agency_id    uuid REFERENCES agencies (id),
    role         text CHECK (role IN ('administrateur', 'comptable', 'lecteur')),
    email        text NOT NULL,
    display_name text NOT NULL DEFAULT '',
    created_by   uuid REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    revoked_at   timestamptz,
    CHECK (purpose <> 'invitation' OR (agency_id IS NOT NULL AND role IS NOT NULL)),
    CHECK (purpose <> 'password_reset' OR user_id IS NOT NULL)
);
CREATE INDEX single_use_links_user ON single_use_links (user_id) WHERE purpose = 'password_reset';
CREATE INDEX single_use_links_agency ON single_use_links (agency_id) WHERE purpose = 'invitation';

-- Mail waiting for the SMTP server, written in the transaction of the change
-- that causes it, so a notice is never lost nor sent for a rolled-back change.
CREATE TABLE outgoing_mail (
    id              uuid PRIMARY KEY,
    sender          text NOT NULL,
    recipients      text[] NOT NULL CHECK (cardinality(recipients) > 0),
    subject         text NOT NULL,
    message         bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    sent_at         timestamptz
);
CREATE INDEX outgoing_mail_due ON outgoing_mail (next_attempt_at) WHERE sent_at IS NULL;

CREATE FUNCTION outgoing_mail_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outgoing_mail', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outgoing_mail_inserted AFTER INSERT ON outgoing_mail
    FOR EACH STATEMENT EXECUTE FUNCTION outgoing_mail_notify();

-- Legal identity of a creditor. The IBAN for transfers is encrypted.
CREATE TABLE creditor_identities (
    creditor_id    text PRIMARY KEY REFERENCES creditors (id),
    legal_name     text NOT NULL,
    siren          text NOT NULL,
    vat_number     text,
    address_line1  text NOT NULL,
    address_line2  text,
    address_line3  text,
    postal_code    text NOT NULL,
    city           text NOT NULL,
    country        text NOT NULL,
    iban_encrypted bytea,
    iban_masked    text,
    bic            text,
    payment_terms  text NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- The billing service (facturation) and the collections service (recouvrement).
CREATE TABLE creditor_contact_sheets (
    creditor_id   text NOT NULL REFERENCES creditors (id),
    service       text NOT NULL CHECK (service IN ('facturation', 'recouvrement')),
    label         text NOT NULL,
    address_line1 text NOT NULL,
    address_line2 text,
    address_line3 text,
    postal_code   text NOT NULL,
    city          text NOT NULL,
    country       text NOT NULL,
    phone         text,
    fax           text,
    email         text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (creditor_id, service)
);

CREATE TABLE account_managers (
    creditor_id      text NOT NULL REFERENCES creditors (id),
    customer_account text NOT NULL,
    name             text NOT NULL,
    phone            text,
    email            text,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (creditor_id, customer_account)
);

CREATE TABLE contact_messages (
    id               uuid PRIMARY KEY,
    creditor_id      text NOT NULL REFERENCES creditors (id),
    customer_account text NOT NULL,
    agency_id        uuid NOT NULL REFERENCES agencies (id),
    user_id          uuid NOT NULL REFERENCES users (id),
    service          text NOT NULL CHECK (service IN ('facturation', 'recouvrement')),
    subject          text NOT NULL,
    body             text NOT NULL,
    invoice_numbers  text[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_messages_account ON contact_messages (creditor_id, customer_account, created_at);

-- Informations compte of one customer account.
CREATE TABLE main_contacts (
    creditor_id      text NOT NULL,
    customer_account text NOT NULL,
    last_name        text NOT NULL,
    first_name       text NOT NULL,
    job_title        text,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       uuid REFERENCES users (id),
    PRIMARY KEY (creditor_id, customer_account),
    FOREIGN KEY (creditor_id, customer_account) REFERENCES agency_accounts (creditor_id, customer_account)
);

CREATE TABLE billing_details (
    creditor_id      text NOT NULL,
    customer_account text NOT NULL,
    address_line1    text NOT NULL,
    address_line2    text,
    address_line3    text,
    postal_code      text NOT NULL,
    city             text NOT NULL,
    country          text NOT NULL,
    phone            text,
    mobile           text,
    fax              text,
    email            text,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       uuid REFERENCES users (id),
    PRIMARY KEY (creditor_id, customer_account),
    FOREIGN KEY (creditor_id, customer_account) REFERENCES agency_accounts (creditor_id, customer_account)
);

-- Current bank details; changed only by approving a change request.
-- details_encrypted holds the JSON of every RIB and IBAN field.
CREATE TABLE bank_details (
    creditor_id        text NOT NULL,
    customer_account   text NOT NULL,
    details_encrypted  bytea NOT NULL,
    iban_masked        text NOT NULL,
    bic                text,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    approved_request   uuid,
    PRIMARY KEY (creditor_id, customer_account),
    FOREIGN KEY (creditor_id, customer_account) REFERENCES agency_accounts (creditor_id, customer_account)
);

CREATE TABLE bank_change_requests (
    id                uuid PRIMARY KEY,
    creditor_id       text NOT NULL,
    customer_account  text NOT NULL,
    agency_id         uuid NOT NULL REFERENCES agencies (id),
    requested_by      uuid NOT NULL REFERENCES users (id),
    requested_at      timestamptz NOT NULL DEFAULT now(),
    details_encrypted bytea NOT NULL,
    iban_masked       text NOT NULL,
    bic               text,
    -- Billing e-mail when the request was made: it gets both notices even if it changes meanwhile.
    previous_billing_email text,
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by        uuid REFERENCES users (id),
    decided_at        timestamptz,
    decision_reason   text,
    FOREIGN KEY (creditor_id, customer_account) REFERENCES agency_accounts (creditor_id, customer_account)
);
-- At most one request waits per account at a time.
CREATE UNIQUE INDEX bank_change_requests_one_pending
    ON bank_change_requests (creditor_id, customer_account) WHERE status = 'pending';
CREATE INDEX bank_change_requests_status ON bank_change_requests (creditor_id, status, requested_at);

-- Who changed what and when, with the values before and after (IBANs masked).
CREATE TABLE audit_entries (
    id               bigserial PRIMARY KEY,
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    actor_user_id    text NOT NULL,
    actor_role       text NOT NULL,
    agency_id        uuid,
    creditor_id      text,
    customer_account text,
    subject          text NOT NULL,
    action           text NOT NULL,
    before           jsonb,
    after            jsonb
);
CREATE INDEX audit_entries_account ON audit_entries (creditor_id, customer_account, occurred_at);
