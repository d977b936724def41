-- The state of an entry, as services.ledger.domain.document_state decides it,
-- for statements that build events in bulk (the FEC import). A property test
-- checks that both give the same state for the same amounts and dates.
CREATE FUNCTION document_state(debit numeric, credit numeric, open_amount numeric, due_date date, today date)
    RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
               WHEN debit > 0 THEN
                   CASE
                       WHEN open_amount = 0 THEN 'paid'
                       WHEN due_date < today THEN 'overdue'
                       WHEN open_amount < debit THEN 'partially_paid'
                       ELSE 'unpaid'
                   END
               WHEN open_amount = 0 THEN 'allocated'
               WHEN open_amount < credit THEN 'partially_allocated'
               ELSE 'unallocated'
           END
$$;
