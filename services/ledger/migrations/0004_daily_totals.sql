-- Per-day totals of each customer account, kept by statement-level triggers,
-- so statement totals cost a few hundred rows whatever the account's size.
-- A bulk writer (the FEC import) sets mf.skip_daily_totals to 'on' for its
-- transaction and recomputes the totals of the accounts it touched itself.

CREATE TABLE account_daily_totals (
    creditor_id       text NOT NULL,
    customer_account  text NOT NULL,
    day               date NOT NULL,
    entry_count       bigint NOT NULL DEFAULT 0,
    debit             numeric(17, 2) NOT NULL DEFAULT 0,
    credit            numeric(17, 2) NOT NULL DEFAULT 0,
    open_signed       numeric(17, 2) NOT NULL DEFAULT 0,
    open_debit_count  bigint NOT NULL DEFAULT 0,
    open_debit_debit  numeric(17, 2) NOT NULL DEFAULT 0,
    open_debit_amount numeric(17, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (creditor_id, customer_account, day)
);

CREATE FUNCTION entries_totals_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('mf.skip_daily_totals', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO account_daily_totals AS t
           (creditor_id, customer_account, day, entry_count, debit, credit, open_signed,
            open_debit_count, open_debit_debit, open_debit_amount)
    SELECT creditor_id, customer_account, document_date, count(*), sum(debit), sum(credit),
           sum(CASE WHEN debit > 0 THEN open_amount ELSE -open_amount END),
           count(*) FILTER (WHERE debit > 0 AND open_amount > 0),
           coalesce(sum(debit) FILTER (WHERE debit > 0 AND open_amount > 0), 0),
           coalesce(sum(open_amount) FILTER (WHERE debit > 0 AND open_amount > 0), 0)
      FROM new_rows
     GROUP BY creditor_id, customer_account, document_date
    ON CONFLICT (creditor_id, customer_account, day) DO UPDATE SET
           entry_count = t.entry_count + excluded.entry_count,
           debit = t.debit + excluded.debit,
           credit = t.credit + excluded.credit,
           open_signed = t.open_signed + excluded.open_signed,
           open_debit_count = t.open_debit_count + excluded.open_debit_count,
           open_debit_debit = t.open_debit_debit + excluded.open_debit_debit,
           open_debit_amount = t.open_debit_amount + excluded.open_debit_amount;
    RETURN NULL;
END $$;

CREATE FUNCTION entries_totals_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('mf.skip_daily_totals', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO account_daily_totals AS t
           (creditor_id, customer_account, day, entry_count, debit, credit, open_signed,
            open_debit_count, open_debit_debit, open_debit_amount)
    SELECT creditor_id, customer_account, document_date, -count(*), -sum(debit), -sum(credit),
           -sum(CASE WHEN debit > 0 THEN open_amount ELSE -open_amount END),
           -count(*) FILTER (WHERE debit > 0 AND open_amount > 0),
           -coalesce(sum(debit) FILTER (WHERE debit > 0 AND open_amount > 0), 0),
           -coalesce(sum(open_amount) FILTER (WHERE debit > 0 AND open_amount > 0), 0)
      FROM old_rows
     GROUP BY creditor_id, customer_account, document_date
    ON CONFLICT (creditor_id, customer_account, day) DO UPDATE SET
           entry_count = t.entry_count + excluded.entry_count,
           debit = t.debit + excluded.debit,
           credit = t.credit + excluded.credit,
           open_signed = t.open_signed + excluded.open_signed,
           open_debit_count = t.open_debit_count + excluded.open_debit_count,
           open_debit_debit = t.open_debit_debit + excluded.open_debit_debit,
           open_debit_amount = t.open_debit_amount + excluded.open_debit_amount;
    RETURN NULL;
END $$;

-- An update is the removal of the old rows followed by the addition of the new ones.
CREATE FUNCTION entries_totals_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('mf.skip_daily_totals', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO account_daily_totals AS t
           (creditor_id, customer_account, day, entry_count, debit, credit, open_signed,
            open_debit_count, open_debit_debit, open_debit_amount)
    SELECT creditor_id, customer_account, document_date, sum(sign), sum(sign * debit), sum(sign * credit),
           sum(sign * CASE WHEN debit > 0 THEN open_amount ELSE -open_amount END),
           coalesce(sum(sign) FILTER (WHERE debit > 0 AND open_amount > 0), 0),
           coalesce(sum(sign * debit) FILTER (WHERE debit > 0 AND open_amount > 0), 0),
           coalesce(sum(sign * open_amount) FILTER (WHERE debit > 0 AND open_amount > 0), 0)
      FROM (SELECT -1 AS sign, creditor_id, customer_account, document_date, debit, credit, open_amount
              FROM old_rows
            UNION ALL
            SELECT 1, creditor_id, customer_account, document_date, debit, credit, open_amount
              FROM new_rows) AS changes
     GROUP BY creditor_id, customer_account, document_date
    ON CONFLICT (creditor_id, customer_account, day) DO UPDATE SET
           entry_count = t.entry_count + excluded.entry_count,
           debit = t.debit + excluded.debit,
           credit = t.credit + excluded.credit,
           open_signed = t.open_signed + excluded.open_signed,
           open_debit_count = t.open_debit_count + excluded.open_debit_count,
           open_debit_debit = t.open_debit_debit + excluded.open_debit_debit,
           open_debit_amount = t.open_debit_amount + excluded.open_debit_amount;
    RETURN NULL;
END $$;

CREATE TRIGGER entries_totals_insert AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION entries_totals_after_insert();
CREATE TRIGGER entries_totals_update AFTER UPDATE ON entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entries_totals_after_update();
CREATE TRIGGER entries_totals_delete AFTER DELETE ON entries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION entries_totals_after_delete();

-- Rebuilds the totals of some accounts from their entries (bulk writers, backfill).
CREATE FUNCTION recompute_account_daily_totals(target_creditor text, target_accounts text[])
    RETURNS void LANGUAGE sql AS $$
    DELETE FROM account_daily_totals
     WHERE creditor_id = target_creditor AND customer_account = ANY(target_accounts);
    INSERT INTO account_daily_totals
           (creditor_id, customer_account, day, entry_count, debit, credit, open_signed,
            open_debit_count, open_debit_debit, open_debit_amount)
    SELECT creditor_id, customer_account, document_date, count(*), sum(debit), sum(credit),
           sum(CASE WHEN debit > 0 THEN open_amount ELSE -open_amount END),
           count(*) FILTER (WHERE debit > 0 AND open_amount > 0),
           coalesce(sum(debit) FILTER (WHERE debit > 0 AND open_amount > 0), 0),
           coalesce(sum(open_amount) FILTER (WHERE debit > 0 AND open_amount > 0), 0)
      FROM entries
     WHERE creditor_id = target_creditor AND customer_account = ANY(target_accounts)
     GROUP BY creditor_id, customer_account, document_date;
$$;

-- Entries that existed before this migration.
SELECT recompute_account_daily_totals(creditor_id, array_agg(account_number))
  FROM customer_accounts
 GROUP BY creditor_id;
