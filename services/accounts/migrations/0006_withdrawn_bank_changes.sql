-- An agency's administrateur may withdraw a pending bank-detail change
-- request, for example one sent with a wrong IBAN, instead of waiting for
-- the creditor to reject it.
ALTER TABLE bank_change_requests DROP CONSTRAINT bank_change_requests_status_check;
ALTER TABLE bank_change_requests ADD CONSTRAINT bank_change_requests_status_check
    CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn'));
