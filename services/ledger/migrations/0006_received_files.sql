-- FEC files kept for audit by content, one row per distinct file.
--
-- The importer stores the bytes on a connection of its own while it parses
-- the file, so that PostgreSQL compresses and writes them on another core,
-- and the import's transaction only references them. A file whose import
-- fails is deleted again unless an import references it.
CREATE TABLE received_files (
    sha256      text PRIMARY KEY,
    content     bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO received_files (sha256, content)
SELECT DISTINCT ON (i.file_sha256) i.file_sha256, f.content
  FROM import_files f
  JOIN imports i ON i.id = f.import_id
 ORDER BY i.file_sha256, i.id;

ALTER TABLE imports
    ADD CONSTRAINT imports_file_received FOREIGN KEY (file_sha256) REFERENCES received_files (sha256);

DROP TABLE import_files;
