-- Migration 0012 copied each account's current address as its first version
-- when an accounts.profile.updated event had set it. But a feed document
-- written after such an event replaced the address with its own buyer's
-- without changing buyer_updated_at, so for those accounts the copy may be
-- the feed's address (0012's comment says otherwise, wrongly). Those copies,
-- the versions without an event, are removed: such an account gets its first
-- version from its next event.
DELETE FROM buyer_address_versions v
 WHERE v.event_id IS NULL
   AND EXISTS (SELECT 1 FROM entries e
                WHERE e.creditor_id = v.creditor_id AND e.customer_account = v.account_number
                  AND e.source = 'feed' AND e.created_at > v.occurred_at);
