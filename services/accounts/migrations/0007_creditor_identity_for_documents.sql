-- The legal mentions that the ledger prints on every invoice and credit note
-- of the creditor, besides those already stored. The accounts service owns
-- the creditor's identity and sends all of it to the ledger in the event
-- accounts.creditor_identity.updated. An identity saved before this
-- migration reaches the ledger only when staff save it again, because the
-- migration cannot decrypt its IBAN to send it.
ALTER TABLE creditor_identities
    ADD COLUMN legal_form    text,
    ADD COLUMN share_capital numeric(15, 2),
    ADD COLUMN rcs_city      text,
    ADD COLUMN siret         text,
    ADD COLUMN email         text,
    ADD COLUMN penalty_rate  text;
