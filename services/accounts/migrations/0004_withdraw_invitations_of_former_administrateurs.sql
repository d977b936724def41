-- Revoke the live invitations whose author is no longer an active
-- administrateur of the invitation's agency, or is unknown (created_by
-- NULL). Such an invitation cannot be accepted, and disabling or demoting an
-- administrateur revokes their invitations, but those sent before that
-- revocation existed were still listed as pending. revoked_at is set as
-- revoke_invitations_sent_by sets it, expired invitations included.
UPDATE single_use_links AS l
   SET revoked_at = now()
 WHERE l.purpose = 'invitation'
   AND l.used_at IS NULL
   AND l.revoked_at IS NULL
   AND NOT EXISTS (
           SELECT 1
             FROM memberships AS m
             JOIN users AS u ON u.id = m.user_id
            WHERE m.user_id = l.created_by
              AND m.agency_id = l.agency_id
              AND m.role = 'administrateur'
              AND u.disabled_at IS NULL);
