-- The statement's search by document number ignores spaces, punctuation and
-- case, so that FA2026000019 finds FA2026-000019. search_key, which keeps
-- punctuation, still matches payments to invoices, where FA-1 and FA1 must
-- stay two documents. Only ASCII letters and digits are kept, as
-- services.ledger.domain.search_text does.
ALTER TABLE entries
    ADD COLUMN search_text text GENERATED ALWAYS AS (upper(regexp_replace(document_number, '[^A-Za-z0-9]', '', 'g'))) STORED;
