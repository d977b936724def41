-- The bank details a decided request found in force (IBAN masked), so the
-- back-office shows what an approval replaced without working it out from
-- earlier requests. A pending request is compared with the current details.
ALTER TABLE bank_change_requests
    ADD COLUMN replaced_iban_masked text,
    ADD COLUMN replaced_bic text;

-- Requests decided before this migration: bank details change only by
-- approving a request, so the details in force at a decision are those of
-- the account's previous approval.
UPDATE bank_change_requests AS r
   SET (replaced_iban_masked, replaced_bic) = (
           SELECT p.iban_masked, p.bic
             FROM bank_change_requests AS p
            WHERE p.creditor_id = r.creditor_id
              AND p.customer_account = r.customer_account
              AND p.status = 'approved'
              AND p.decided_at < r.decided_at
            ORDER BY p.decided_at DESC
            LIMIT 1)
 WHERE r.decided_at IS NOT NULL;
