-- One bank receipt may record several card payments of a customer (one bank
-- credit for a day's payouts). The import then gives each of those payments
-- the receipt's FEC key, so the key is no longer unique. The import reads
-- the keys of the accounts it touches with their entries, and no query looks
-- an entry up by its key, so no index replaces this one.
DROP INDEX entries_by_receipt_key;
