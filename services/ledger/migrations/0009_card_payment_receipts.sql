-- A card payment the ledger recorded from the payments service comes back
-- in the creditor's next FEC file as a bank receipt. The import matches such
-- a receipt to the payment by its reference and amount, and keeps the
-- receipt's FEC key on the payment instead of adding a second payment, so a
-- later file that repeats the receipt finds it too.
ALTER TABLE entries ADD COLUMN receipt_key text;
CREATE UNIQUE INDEX entries_by_receipt_key ON entries (creditor_id, receipt_key) WHERE receipt_key IS NOT NULL;
