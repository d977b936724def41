-- A row that fails to publish waits for its own next attempt, so that an
-- event the broker keeps rejecting does not hold back the events after it.
-- NULL means the row is due now.
ALTER TABLE outbox ADD COLUMN next_attempt_at timestamptz;
