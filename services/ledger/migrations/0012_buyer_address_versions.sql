-- Every billing address an account has had, from the accounts service's
-- accounts.profile.updated events, so that a document prints the address in
-- force on its date and not the one in force when its PDF was first opened.
-- customer_accounts keeps only the latest address.
CREATE TABLE buyer_address_versions (
    id             bigserial PRIMARY KEY,
    creditor_id    text NOT NULL,
    account_number text NOT NULL,
    -- The event that brought this address. NULL only for the versions
    -- copied from customer_accounts below, whose event id was not kept.
    event_id       uuid UNIQUE,
    occurred_at    timestamptz NOT NULL,
    address_lines  text[] NOT NULL DEFAULT '{}',
    postal_code    text,
    city           text,
    country        text NOT NULL DEFAULT 'FR',
    FOREIGN KEY (creditor_id, account_number) REFERENCES customer_accounts (creditor_id, account_number)
);
CREATE INDEX buyer_address_versions_by_account
    ON buyer_address_versions (creditor_id, account_number, occurred_at, id);

-- Until now only the latest address was kept: it becomes the first version,
-- dated by the event it came from. Documents dated before that event print
-- it too, because no older version exists. buyer_updated_at is set only by
-- accounts.profile.updated events, so an address that came from a feed
-- document is not copied.
INSERT INTO buyer_address_versions
    (creditor_id, account_number, occurred_at, address_lines, postal_code, city, country)
SELECT creditor_id, account_number, buyer_updated_at, address_lines, postal_code, city, country
  FROM customer_accounts
 WHERE buyer_updated_at IS NOT NULL;
