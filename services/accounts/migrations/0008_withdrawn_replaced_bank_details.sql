-- Withdrawals did not record the bank details in force, so a withdrawn
-- request showed « Aucun IBAN enregistré » even on an account that had
-- details. Bank details change only by approving a request, so the details
-- in force at a withdrawal are those of the account's previous approval.
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
 WHERE r.status = 'withdrawn' AND r.replaced_iban_masked IS NULL;
