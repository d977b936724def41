-- A queued message carries the live token of an invitation or password-reset
-- link until it is sent, so it is stored encrypted with MF_DATA_ENCRYPTION_KEY
-- (AES-256-GCM, see services/accounts/crypto.py) in message_encrypted.
-- message keeps a message in clear in two cases only: after sending, with its
-- link tokens replaced (without_link_tokens), and while pending in a service
-- that runs without MF_DATA_ENCRYPTION_KEY.
--
-- The key is not in the database, so SQL cannot encrypt the rows queued before
-- this migration: the service does it at start-up (encrypt_pending_mail in
-- services/accounts/mail.py) before its dispatcher sends anything.
ALTER TABLE outgoing_mail
    ADD COLUMN message_encrypted bytea,
    ALTER COLUMN message DROP NOT NULL,
    ADD CONSTRAINT outgoing_mail_one_message CHECK ((message IS NULL) <> (message_encrypted IS NULL));

-- The rows that the start-up encryption looks for.
CREATE INDEX outgoing_mail_pending_in_clear ON outgoing_mail (id) WHERE sent_at IS NULL AND message IS NOT NULL;
