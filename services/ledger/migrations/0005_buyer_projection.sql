-- When the buyer's billing address last came from the accounts service, so an
-- older event delivered late never overwrites a newer address.
ALTER TABLE customer_accounts ADD COLUMN buyer_updated_at timestamptz;
