-- Set once a FEC file of the creditor gives at least two document numbers
-- (PieceRef) each to several invoices or credit notes, as software that makes
-- PieceRef of the journal and the month does. Later imports then never take a number for the
-- name of one document (see services/ledger/import_writer.py).
ALTER TABLE creditors ADD COLUMN document_numbers_shared boolean NOT NULL DEFAULT false;
