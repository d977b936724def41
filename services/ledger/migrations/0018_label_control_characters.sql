-- FEC imports now replace each run of control characters in a label with one
-- space (services/ledger/fec/controls.py). Labels imported before that change
-- may still hold them, and the invoice PDF and Factur-X models reject a text
-- with a control character, so such a document could not be rendered. This
-- cleans the two labels the ledger stores from FEC files: EcritureLib in
-- entries.label and CompAuxLib in customer_accounts.label.
--
-- The result is what an import of the same line gives now: each run of
-- controls becomes a space, then the white space that Python's str.strip()
-- removes is trimmed at both ends. Tab, CR and LF count as controls here, as
-- in the fields of a pipe-separated file; no stored label is meant to hold
-- one. A NUL cannot be stored, so the class starts at U+0001.
-- tests/ledger/test_label_controls_migration.py compares both classes with
-- the importer's and with Python's.
--
-- Source keys do not contain labels, so a later import of an older file still
-- finds these entries.
DO $$
DECLARE
    control_characters constant text := '[\u0001-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]+';
    python_white_space constant text := '[\u0009-\u000D\u001C-\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+';
BEGIN
    UPDATE entries
       SET label = regexp_replace(
               regexp_replace(label, control_characters, ' ', 'g'),
               '^' || python_white_space || '|' || python_white_space || '$', '', 'g')
     WHERE label ~ control_characters;
    UPDATE customer_accounts
       SET label = regexp_replace(
               regexp_replace(label, control_characters, ' ', 'g'),
               '^' || python_white_space || '|' || python_white_space || '$', '', 'g')
     WHERE label ~ control_characters;
END $$;
