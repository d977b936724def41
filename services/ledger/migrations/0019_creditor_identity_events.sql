-- The accounts service owns the creditor's legal identity and sends it in
-- accounts.creditor_identity.updated events. The ledger stores the
-- occurred_at of the event whose identity the row holds, so that an older
-- event delivered late never replaces a newer identity. NULL means that the
-- identity was written before these events existed, or never.
ALTER TABLE creditors ADD COLUMN identity_changed_at timestamptz;
