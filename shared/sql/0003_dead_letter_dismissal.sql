-- A dead letter that can never be replayed (a body that is not an event, a
-- forged envelope) is set aside by an operator with the reason, so that the
-- replay command stops reporting it.
ALTER TABLE dead_letters ADD COLUMN dismissed_at timestamptz, ADD COLUMN dismissal_note text;
