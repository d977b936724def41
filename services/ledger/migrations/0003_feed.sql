-- Documents pushed by a creditor's billing system, and buyers' identities.

ALTER TABLE entries ADD COLUMN content_sha256 text;

ALTER TABLE customer_accounts
    ADD COLUMN legal_name    text,
    ADD COLUMN address_lines text[] NOT NULL DEFAULT '{}',
    ADD COLUMN postal_code   text,
    ADD COLUMN city          text,
    ADD COLUMN country       text NOT NULL DEFAULT 'FR',
    ADD COLUMN siren         text,
    ADD COLUMN vat_number    text;
